-- What users hide for themselves: filters (Mastodon's v2 filters: a title,
-- the contexts it applies in, an action, keywords and single posts) and
-- whole domains.
CREATE TABLE filters (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title                   TEXT    NOT NULL,
    context                 TEXT    NOT NULL,        -- JSON list: home, notifications, public, thread, account
    action                  TEXT    NOT NULL,        -- warn, hide, blur
    expires_at              TEXT,
    created_at              TEXT NOT NULL
);
CREATE INDEX filters_account ON filters (account_id, id);

CREATE TABLE filter_keywords (
    id                      INTEGER PRIMARY KEY,
    filter_id               INTEGER NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword                 TEXT    NOT NULL,
    whole_word              INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id, id);

CREATE TABLE filter_statuses (
    id                      INTEGER PRIMARY KEY,
    filter_id               INTEGER NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    status_id               INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX filter_statuses_once ON filter_statuses (filter_id, status_id);

-- A user's blocked domains: nothing from them in the user's timelines or
-- notifications, and their followers of the user removed.
CREATE TABLE account_domain_blocks (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    domain                  TEXT    NOT NULL,        -- lower-case host[:port]
    created_at              TEXT NOT NULL
);
CREATE UNIQUE INDEX account_domain_blocks_once ON account_domain_blocks (account_id, domain);
