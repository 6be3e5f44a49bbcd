-- Follow suggestions someone dismissed (DELETE /api/v1/suggestions/:id):
-- never suggested to them again.
CREATE TABLE suggestion_dismissals (
    account_id          BIGINT      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id   BIGINT      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);
-- The directory: discoverable accounts by recent activity, and newest.
CREATE INDEX accounts_directory_active ON accounts (last_status_at) WHERE discoverable;
