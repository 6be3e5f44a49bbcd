-- Moderation: what staff did and why (the audit log), the warnings accounts
-- received, who handles a report, accounts marked sensitive, and the
-- addresses a user signed up and signed in from (the admin API's `ip` and
-- `ips`, and its `ip` filter).
ALTER TABLE accounts ADD COLUMN sensitized_at TIMESTAMPTZ;
-- A local account deleted by its owner or an admin: suspended for good,
-- never restored by an unsuspension.
ALTER TABLE accounts ADD COLUMN deleted_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN sign_up_ip TEXT;
-- Sign-ups waiting for approval, listed by the admin API and /admin.
CREATE INDEX users_pending ON users (account_id) WHERE NOT approved;

-- One row per user and address, with the last time it was used.
CREATE TABLE user_ips (
    account_id              BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    ip                      TEXT    NOT NULL,
    used_at                 TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, ip)
);
CREATE INDEX user_ips_ip ON user_ips (ip);

ALTER TABLE reports ADD COLUMN assigned_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL;
ALTER TABLE reports ADD COLUMN action_taken_by_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL;
ALTER TABLE reports ADD COLUMN rule_ids JSONB NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE reports ADD COLUMN updated_at TIMESTAMPTZ;
-- The open reports, newest first, on the dashboard and in the queue.
CREATE INDEX reports_unresolved ON reports (id) WHERE action_taken_at IS NULL;
CREATE INDEX reports_reporter ON reports (account_id, id);

-- A moderation action told to the account it was taken against
-- (Mastodon's AccountWarning): the account's history on its admin page.
CREATE TABLE account_warnings (
    id                      BIGINT  PRIMARY KEY,
    account_id              BIGINT  NOT NULL,        -- the moderator (no cascade: history stays)
    target_account_id       BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    action                  TEXT    NOT NULL,        -- none, sensitive, disable, silence, suspend
    text                    TEXT    NOT NULL DEFAULT '',
    report_id               BIGINT REFERENCES reports (id) ON DELETE SET NULL,
    created_at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX account_warnings_target ON account_warnings (target_account_id, id);

-- The audit log: who did what to whom, when, and why. Rows name their
-- target in words too, so they read well after the target is gone.
CREATE TABLE admin_action_logs (
    id                      BIGINT  PRIMARY KEY,
    account_id              BIGINT  NOT NULL,        -- the staff member
    action                  TEXT    NOT NULL,        -- e.g. suspend, resolve, approve
    target_type             TEXT    NOT NULL,        -- Account, Report, DomainBlock, Status
    target_id               BIGINT,
    target_name             TEXT    NOT NULL,
    text                    TEXT    NOT NULL DEFAULT '',
    created_at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX admin_action_logs_target ON admin_action_logs (target_type, target_id, id);
CREATE INDEX admin_action_logs_actor ON admin_action_logs (account_id, id);

-- admin.report notifications point at their report.
ALTER TABLE notifications ADD COLUMN report_id BIGINT REFERENCES reports (id) ON DELETE CASCADE;

-- Storage keys of a suspended account's files (attachments, avatar,
-- header): /media answers 404 for them until the account is unsuspended.
CREATE TABLE withheld_media (
    key                     TEXT    PRIMARY KEY,
    account_id              BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX withheld_media_account ON withheld_media (account_id);
