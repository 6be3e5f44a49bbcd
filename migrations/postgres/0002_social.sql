-- Social core: statuses and what hangs off them, relationships, feeds,
-- notifications, and the persistent job queue.

CREATE TABLE statuses (
    id                      BIGINT PRIMARY KEY,
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri                     TEXT    NOT NULL,
    url                     TEXT,
    local                   BOOLEAN NOT NULL,
    in_reply_to_id          BIGINT,                 -- may outlive its parent
    in_reply_to_account_id  BIGINT,
    reblog_of_id            BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    conversation_id         BIGINT,
    visibility              TEXT    NOT NULL,        -- public, unlisted, private, direct
    text                    TEXT    NOT NULL DEFAULT '', -- what the author typed (local)
    content                 TEXT    NOT NULL DEFAULT '', -- sanitized HTML
    spoiler_text            TEXT    NOT NULL DEFAULT '',
    sensitive               BOOLEAN NOT NULL DEFAULT FALSE,
    language                TEXT,
    application_id          BIGINT REFERENCES apps (id) ON DELETE SET NULL,
    poll_id                 BIGINT,
    replies_count           BIGINT NOT NULL DEFAULT 0,
    reblogs_count           BIGINT NOT NULL DEFAULT 0,
    favourites_count        BIGINT NOT NULL DEFAULT 0,
    created_at              TIMESTAMPTZ    NOT NULL,
    edited_at               TIMESTAMPTZ
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
    id                      BIGINT PRIMARY KEY,
    status_id               BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    text                    TEXT    NOT NULL,
    content                 TEXT    NOT NULL,
    spoiler_text            TEXT    NOT NULL,
    sensitive               BOOLEAN NOT NULL,
    created_at              TIMESTAMPTZ    NOT NULL
);
CREATE INDEX status_edits_status ON status_edits (status_id, id);

CREATE TABLE polls (
    id                      BIGINT  PRIMARY KEY,
    status_id               BIGINT  NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    options                 JSONB   NOT NULL,        -- JSON list of option titles
    multiple                BOOLEAN NOT NULL DEFAULT FALSE,
    hide_totals             BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at              TIMESTAMPTZ,
    votes_count             BIGINT  NOT NULL DEFAULT 0,
    voters_count            BIGINT  NOT NULL DEFAULT 0,
    created_at              TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX polls_status ON polls (status_id);

CREATE TABLE poll_votes (
    id                      BIGINT  PRIMARY KEY,
    poll_id                 BIGINT  NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    account_id              BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    choice                  BIGINT  NOT NULL,
    created_at              TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX poll_votes_choice ON poll_votes (poll_id, account_id, choice);

CREATE TABLE mentions (
    status_id               BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX mentions_account ON mentions (account_id, status_id);

CREATE TABLE tags (
    id                      BIGINT PRIMARY KEY,
    name                    TEXT    NOT NULL,        -- lower case
    created_at              TIMESTAMPTZ    NOT NULL
);
CREATE UNIQUE INDEX tags_name ON tags (name);

CREATE TABLE status_tags (
    tag_id                  BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    status_id               BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, status_id)
);
CREATE INDEX status_tags_status ON status_tags (status_id);

CREATE TABLE follows (
    id                      BIGINT PRIMARY KEY,
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id       BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    show_reblogs            BOOLEAN NOT NULL DEFAULT TRUE,
    notify                  BOOLEAN NOT NULL DEFAULT FALSE,
    languages               JSONB,                    -- JSON list or NULL
    uri                     TEXT,
    created_at              TIMESTAMPTZ    NOT NULL
);
CREATE UNIQUE INDEX follows_pair ON follows (account_id, target_account_id);
CREATE INDEX follows_target ON follows (target_account_id, account_id);

CREATE TABLE follow_requests (
    id                      BIGINT PRIMARY KEY,
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id       BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    show_reblogs            BOOLEAN NOT NULL DEFAULT TRUE,
    notify                  BOOLEAN NOT NULL DEFAULT FALSE,
    languages               JSONB,
    uri                     TEXT,
    created_at              TIMESTAMPTZ    NOT NULL
);
CREATE UNIQUE INDEX follow_requests_pair ON follow_requests (account_id, target_account_id);
CREATE INDEX follow_requests_target ON follow_requests (target_account_id, id);

CREATE TABLE blocks (
    id                      BIGINT PRIMARY KEY,
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id       BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri                     TEXT,
    created_at              TIMESTAMPTZ    NOT NULL
);
CREATE UNIQUE INDEX blocks_pair ON blocks (account_id, target_account_id);
CREATE INDEX blocks_target ON blocks (target_account_id, account_id);

CREATE TABLE mutes (
    id                      BIGINT PRIMARY KEY,
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id       BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hide_notifications      BOOLEAN NOT NULL DEFAULT TRUE,
    expires_at              TIMESTAMPTZ,
    created_at              TIMESTAMPTZ    NOT NULL
);
CREATE UNIQUE INDEX mutes_pair ON mutes (account_id, target_account_id);

CREATE TABLE favourites (
    id                      BIGINT PRIMARY KEY,
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id               BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    uri                     TEXT,
    created_at              TIMESTAMPTZ    NOT NULL
);
CREATE UNIQUE INDEX favourites_pair ON favourites (account_id, status_id);
CREATE INDEX favourites_status ON favourites (status_id, id);

CREATE TABLE bookmarks (
    id                      BIGINT PRIMARY KEY,
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id               BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at              TIMESTAMPTZ    NOT NULL
);
CREATE UNIQUE INDEX bookmarks_pair ON bookmarks (account_id, status_id);

CREATE TABLE pins (
    id                      BIGINT PRIMARY KEY,
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id               BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at              TIMESTAMPTZ    NOT NULL
);
CREATE UNIQUE INDEX pins_pair ON pins (account_id, status_id);

CREATE TABLE lists (
    id                      BIGINT  PRIMARY KEY,
    account_id              BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title                   TEXT    NOT NULL,
    replies_policy          TEXT    NOT NULL DEFAULT 'list',   -- followed, list, none
    exclusive               BOOLEAN NOT NULL DEFAULT FALSE,
    created_at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX lists_account ON lists (account_id, id);

CREATE TABLE list_accounts (
    list_id                 BIGINT  NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    account_id              BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, account_id)
);
CREATE INDEX list_accounts_account ON list_accounts (account_id);

CREATE TABLE tag_follows (
    account_id              BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id                  BIGINT  NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, tag_id)
);
CREATE INDEX tag_follows_tag ON tag_follows (tag_id);

CREATE TABLE featured_tags (
    id                      BIGINT  PRIMARY KEY,
    account_id              BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id                  BIGINT  NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at              TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX featured_tags_pair ON featured_tags (account_id, tag_id);

-- Personal notes on other accounts, and endorsed ("featured") accounts.
CREATE TABLE account_notes (
    account_id              BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id       BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    comment                 TEXT    NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);

CREATE TABLE endorsements (
    id                      BIGINT  PRIMARY KEY,
    account_id              BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id       BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at              TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX endorsements_pair ON endorsements (account_id, target_account_id);

CREATE TABLE conversation_mutes (
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id         BIGINT NOT NULL,
    PRIMARY KEY (account_id, conversation_id)
);

-- Fan-out on write: one row per (follower, status) shown in a home timeline.
CREATE TABLE home_feed (
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id               BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    author_id               BIGINT NOT NULL,        -- who posted or boosted it
    PRIMARY KEY (account_id, status_id)
);
CREATE INDEX home_feed_author ON home_feed (account_id, author_id);

CREATE TABLE notifications (
    id                      BIGINT PRIMARY KEY,
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type                    TEXT    NOT NULL,
    from_account_id         BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id               BIGINT REFERENCES statuses (id) ON DELETE CASCADE,
    created_at              TIMESTAMPTZ    NOT NULL
);
CREATE INDEX notifications_account ON notifications (account_id, id);
CREATE INDEX notifications_from ON notifications (from_account_id);

CREATE TABLE markers (
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline                TEXT    NOT NULL,        -- home, notifications
    last_read_id            BIGINT NOT NULL,
    version                 BIGINT NOT NULL DEFAULT 0,
    updated_at              TIMESTAMPTZ    NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

CREATE TABLE idempotency_keys (
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key                     TEXT    NOT NULL,
    status_id               BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at              TIMESTAMPTZ    NOT NULL,
    PRIMARY KEY (account_id, key)
);

-- Direct-message conversations, per participant.
CREATE TABLE account_conversations (
    id                      BIGINT PRIMARY KEY,
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id         BIGINT NOT NULL,
    last_status_id          BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    unread                  BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX account_conversations_pair ON account_conversations (account_id, conversation_id);
CREATE INDEX account_conversations_recent ON account_conversations (account_id, last_status_id);

CREATE TABLE scheduled_statuses (
    id                      BIGINT  PRIMARY KEY,
    account_id              BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scheduled_at            TIMESTAMPTZ NOT NULL,
    params                  JSONB   NOT NULL,        -- the status as the client sent it
    created_at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX scheduled_statuses_account ON scheduled_statuses (account_id, id);

-- The persistent job queue (DESIGN.md decision 4).
CREATE TABLE jobs (
    id                      BIGINT PRIMARY KEY,
    queue                   TEXT    NOT NULL,
    kind                    TEXT    NOT NULL,
    payload                 JSONB    NOT NULL,        -- JSON
    run_at                  TIMESTAMPTZ    NOT NULL,
    attempts                BIGINT NOT NULL DEFAULT 0,
    max_attempts            BIGINT NOT NULL,
    locked_until            TIMESTAMPTZ,
    last_error              TEXT,
    failed_at               TIMESTAMPTZ,                      -- gave up after max_attempts
    created_at              TIMESTAMPTZ    NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE failed_at IS NULL;
