-- Social core: statuses and what hangs off them, relationships, feeds,
-- notifications, and the persistent job queue.

CREATE TABLE statuses (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri                     TEXT    NOT NULL,
    url                     TEXT,
    local                   INTEGER NOT NULL,
    in_reply_to_id          INTEGER,                 -- may outlive its parent
    in_reply_to_account_id  INTEGER,
    reblog_of_id            INTEGER REFERENCES statuses (id) ON DELETE CASCADE,
    conversation_id         INTEGER,
    visibility              TEXT    NOT NULL,        -- public, unlisted, private, direct
    text                    TEXT    NOT NULL DEFAULT '', -- what the author typed (local)
    content                 TEXT    NOT NULL DEFAULT '', -- sanitized HTML
    spoiler_text            TEXT    NOT NULL DEFAULT '',
    sensitive               INTEGER NOT NULL DEFAULT 0,
    language                TEXT,
    application_id          INTEGER REFERENCES apps (id) ON DELETE SET NULL,
    poll_id                 INTEGER,
    replies_count           INTEGER NOT NULL DEFAULT 0,
    reblogs_count           INTEGER NOT NULL DEFAULT 0,
    favourites_count        INTEGER NOT NULL DEFAULT 0,
    created_at              TEXT    NOT NULL,
    edited_at               TEXT
);
CREATE UNIQUE INDEX statuses_uri ON statuses (uri);
CREATE INDEX statuses_account ON statuses (account_id, id);
CREATE INDEX statuses_reply ON statuses (in_reply_to_id) WHERE in_reply_to_id IS NOT NULL;
CREATE INDEX statuses_reblog ON statuses (reblog_of_id) WHERE reblog_of_id IS NOT NULL;
CREATE UNIQUE INDEX statuses_one_reblog ON statuses (account_id, reblog_of_id) WHERE reblog_of_id IS NOT NULL;
CREATE INDEX statuses_public ON statuses (id) WHERE visibility = 'public' AND reblog_of_id IS NULL;
CREATE INDEX statuses_public_local ON statuses (local, id) WHERE visibility = 'public' AND reblog_of_id IS NULL;
CREATE INDEX statuses_conversation ON statuses (conversation_id, id) WHERE conversation_id IS NOT NULL;

CREATE TABLE status_edits (
    id                      INTEGER PRIMARY KEY,
    status_id               INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    text                    TEXT    NOT NULL,
    content                 TEXT    NOT NULL,
    spoiler_text            TEXT    NOT NULL,
    sensitive               INTEGER NOT NULL,
    created_at              TEXT    NOT NULL
);
CREATE INDEX status_edits_status ON status_edits (status_id, id);

CREATE TABLE polls (
    id                      INTEGER PRIMARY KEY,
    status_id               INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    options                 TEXT    NOT NULL,        -- JSON list of option titles
    multiple                INTEGER NOT NULL DEFAULT 0,
    hide_totals             INTEGER NOT NULL DEFAULT 0,
    expires_at              TEXT   ,
    votes_count             INTEGER NOT NULL DEFAULT 0,
    voters_count            INTEGER NOT NULL DEFAULT 0,
    created_at              TEXT    NOT NULL
);
CREATE UNIQUE INDEX polls_status ON polls (status_id);

CREATE TABLE poll_votes (
    id                      INTEGER PRIMARY KEY,
    poll_id                 INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    choice                  INTEGER NOT NULL,
    created_at              TEXT    NOT NULL
);
CREATE UNIQUE INDEX poll_votes_choice ON poll_votes (poll_id, account_id, choice);

CREATE TABLE mentions (
    status_id               INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX mentions_account ON mentions (account_id, status_id);

CREATE TABLE tags (
    id                      INTEGER PRIMARY KEY,
    name                    TEXT    NOT NULL,        -- lower case
    created_at              TEXT    NOT NULL
);
CREATE UNIQUE INDEX tags_name ON tags (name);

CREATE TABLE status_tags (
    tag_id                  INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    status_id               INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, status_id)
);
CREATE INDEX status_tags_status ON status_tags (status_id);

CREATE TABLE follows (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    show_reblogs            INTEGER NOT NULL DEFAULT 1,
    notify                  INTEGER NOT NULL DEFAULT 0,
    languages               TEXT,                    -- JSON list or NULL
    uri                     TEXT,
    created_at              TEXT    NOT NULL
);
CREATE UNIQUE INDEX follows_pair ON follows (account_id, target_account_id);
CREATE INDEX follows_target ON follows (target_account_id, account_id);

CREATE TABLE follow_requests (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    show_reblogs            INTEGER NOT NULL DEFAULT 1,
    notify                  INTEGER NOT NULL DEFAULT 0,
    languages               TEXT,
    uri                     TEXT,
    created_at              TEXT    NOT NULL
);
CREATE UNIQUE INDEX follow_requests_pair ON follow_requests (account_id, target_account_id);
CREATE INDEX follow_requests_target ON follow_requests (target_account_id, id);

CREATE TABLE blocks (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri                     TEXT,
    created_at              TEXT    NOT NULL
);
CREATE UNIQUE INDEX blocks_pair ON blocks (account_id, target_account_id);
CREATE INDEX blocks_target ON blocks (target_account_id, account_id);

CREATE TABLE mutes (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hide_notifications      INTEGER NOT NULL DEFAULT 1,
    expires_at              TEXT,
    created_at              TEXT    NOT NULL
);
CREATE UNIQUE INDEX mutes_pair ON mutes (account_id, target_account_id);

CREATE TABLE favourites (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id               INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    uri                     TEXT,
    created_at              TEXT    NOT NULL
);
CREATE UNIQUE INDEX favourites_pair ON favourites (account_id, status_id);
CREATE INDEX favourites_status ON favourites (status_id, id);

CREATE TABLE bookmarks (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id               INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at              TEXT    NOT NULL
);
CREATE UNIQUE INDEX bookmarks_pair ON bookmarks (account_id, status_id);

CREATE TABLE pins (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id               INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at              TEXT    NOT NULL
);
CREATE UNIQUE INDEX pins_pair ON pins (account_id, status_id);

CREATE TABLE lists (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title                   TEXT    NOT NULL,
    replies_policy          TEXT    NOT NULL DEFAULT 'list',   -- followed, list, none
    exclusive               INTEGER NOT NULL DEFAULT 0,
    created_at              TEXT    NOT NULL
);
CREATE INDEX lists_account ON lists (account_id, id);

CREATE TABLE list_accounts (
    list_id                 INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, account_id)
);
CREATE INDEX list_accounts_account ON list_accounts (account_id);

CREATE TABLE tag_follows (
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id                  INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at              TEXT    NOT NULL,
    PRIMARY KEY (account_id, tag_id)
);
CREATE INDEX tag_follows_tag ON tag_follows (tag_id);

CREATE TABLE featured_tags (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id                  INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at              TEXT    NOT NULL
);
CREATE UNIQUE INDEX featured_tags_pair ON featured_tags (account_id, tag_id);

-- Personal notes on other accounts, and endorsed ("featured") accounts.
CREATE TABLE account_notes (
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    comment                 TEXT    NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);

CREATE TABLE endorsements (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at              TEXT    NOT NULL
);
CREATE UNIQUE INDEX endorsements_pair ON endorsements (account_id, target_account_id);

CREATE TABLE conversation_mutes (
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id         INTEGER NOT NULL,
    PRIMARY KEY (account_id, conversation_id)
);

-- Fan-out on write: one row per (follower, status) shown in a home timeline.
CREATE TABLE home_feed (
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id               INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    author_id               INTEGER NOT NULL,        -- who posted or boosted it
    PRIMARY KEY (account_id, status_id)
);
CREATE INDEX home_feed_author ON home_feed (account_id, author_id);

CREATE TABLE notifications (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type                    TEXT    NOT NULL,
    from_account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id               INTEGER REFERENCES statuses (id) ON DELETE CASCADE,
    created_at              TEXT    NOT NULL
);
CREATE INDEX notifications_account ON notifications (account_id, id);
CREATE INDEX notifications_from ON notifications (from_account_id);

CREATE TABLE markers (
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline                TEXT    NOT NULL,        -- home, notifications
    last_read_id            INTEGER NOT NULL,
    version                 INTEGER NOT NULL DEFAULT 0,
    updated_at              TEXT    NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

CREATE TABLE idempotency_keys (
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key                     TEXT    NOT NULL,
    status_id               INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at              TEXT    NOT NULL,
    PRIMARY KEY (account_id, key)
);

-- Direct-message conversations, per participant.
CREATE TABLE account_conversations (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id         INTEGER NOT NULL,
    last_status_id          INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    unread                  INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX account_conversations_pair ON account_conversations (account_id, conversation_id);
CREATE INDEX account_conversations_recent ON account_conversations (account_id, last_status_id);

CREATE TABLE scheduled_statuses (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scheduled_at            TEXT    NOT NULL,
    params                  TEXT    NOT NULL,        -- the status as the client sent it
    created_at              TEXT    NOT NULL
);
CREATE INDEX scheduled_statuses_account ON scheduled_statuses (account_id, id);

-- The persistent job queue (DESIGN.md decision 4).
CREATE TABLE jobs (
    id                      INTEGER PRIMARY KEY,
    queue                   TEXT    NOT NULL,
    kind                    TEXT    NOT NULL,
    payload                 TEXT    NOT NULL,        -- JSON
    run_at                  TEXT    NOT NULL,
    attempts                INTEGER NOT NULL DEFAULT 0,
    max_attempts            INTEGER NOT NULL,
    locked_until            TEXT,
    last_error              TEXT,
    failed_at               TEXT   ,                      -- gave up after max_attempts
    created_at              TEXT    NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE failed_at IS NULL;
