-- "Your data" (docs/your-data.md): archives of an account's posts and
-- media, built by a job into a zip in media storage, and imports of
-- Mastodon's CSV files, whose rows a job applies.

-- `state` is pending, done or failed; `storage_key` is the zip once done.
CREATE TABLE archives (
    id                      BIGINT   PRIMARY KEY,
    account_id              BIGINT   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    state                   TEXT     NOT NULL,
    storage_key             TEXT,
    size                    BIGINT   NOT NULL DEFAULT 0,
    created_at              TIMESTAMPTZ NOT NULL,
    finished_at             TIMESTAMPTZ
);
CREATE INDEX archives_account ON archives (account_id, id);

-- `kind` is following, blocks, mutes, domain_blocks, bookmarks or lists;
-- `state` is scheduled (an overwrite not yet applied), in_progress or
-- finished. The counters move as the job finishes rows.
CREATE TABLE imports (
    id                      BIGINT   PRIMARY KEY,
    account_id              BIGINT   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind                    TEXT     NOT NULL,
    overwrite               BOOLEAN  NOT NULL,
    state                   TEXT     NOT NULL,
    file_name               TEXT     NOT NULL,
    total_rows              BIGINT   NOT NULL,
    processed_rows          BIGINT   NOT NULL DEFAULT 0,
    imported_rows           BIGINT   NOT NULL DEFAULT 0,
    created_at              TIMESTAMPTZ NOT NULL,
    finished_at             TIMESTAMPTZ
);
CREATE INDEX imports_account ON imports (account_id, id);

-- The rows of an import still to apply (`done` false), and those that
-- failed (`done` true, with the reason); a row applied is deleted.
CREATE TABLE import_rows (
    import_id               BIGINT   NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    position                BIGINT   NOT NULL,
    data                    JSONB    NOT NULL,
    done                    BOOLEAN  NOT NULL DEFAULT FALSE,
    failure                 TEXT,
    PRIMARY KEY (import_id, position)
);
