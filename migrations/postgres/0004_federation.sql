-- Federation: what roost keeps about remote actors and instances, inbound
-- activities it has seen, outbound activities waiting for delivery, reports
-- and domain blocks.

-- keyId as the actor publishes it (`…#main-key`, GoToSocial's `…/main-key`):
-- an inbound signature names it, and it must lead to exactly one actor.
ALTER TABLE accounts ADD COLUMN public_key_id TEXT;
ALTER TABLE accounts ADD COLUMN actor_type TEXT NOT NULL DEFAULT 'Person';
ALTER TABLE accounts ADD COLUMN also_known_as JSONB NOT NULL DEFAULT '[]'::jsonb;  -- JSON list of URIs (Move)
CREATE UNIQUE INDEX accounts_public_key_id ON accounts (public_key_id) WHERE public_key_id IS NOT NULL;
-- Per-host work: peers, domain blocks, delivery to an instance's followers.
CREATE INDEX accounts_domain ON accounts (domain, id) WHERE domain IS NOT NULL;
-- Silenced accounts (a silenced server's) stay out of public timelines.
CREATE INDEX accounts_silenced ON accounts (id) WHERE silenced_at IS NOT NULL;

-- A remote reply whose parent is not (yet) here keeps the parent's id.
ALTER TABLE statuses ADD COLUMN in_reply_to_uri TEXT;
-- Remote attachments as the remote server described them (JSON list), until
-- the media issue caches them.
ALTER TABLE statuses ADD COLUMN remote_attachments JSONB;

-- A remote poll's option counts as its server last reported them (local
-- polls count poll_votes rows instead).
ALTER TABLE polls ADD COLUMN remote_tallies JSONB;

-- The moderation queue for remote content (moderation.review_remote): posts
-- received from servers under review wait here, shown to nobody, until a
-- moderator approves (they become statuses) or rejects them.
CREATE TABLE held_statuses (
    id                      BIGINT  PRIMARY KEY,
    account_id              BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri                     TEXT    NOT NULL,
    object                  JSONB   NOT NULL,        -- the post as received
    received_at             TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX held_statuses_uri ON held_statuses (uri);

-- Key-value settings of the instance itself (the instance actor's keys).
CREATE TABLE instance_settings (
    key                     TEXT    PRIMARY KEY,
    value                   TEXT    NOT NULL
);

-- Every remote host roost has talked to, and whether deliveries reach it.
CREATE TABLE instances (
    domain                  TEXT    PRIMARY KEY,     -- lower-case host[:port], as accounts.domain
    first_seen_at           TIMESTAMPTZ    NOT NULL,
    last_success_at         TIMESTAMPTZ,
    last_failure_day        DATE,
    failure_days            BIGINT NOT NULL DEFAULT 0, -- distinct failing days since the last success
    unavailable_since       TIMESTAMPTZ                     -- set at 7 failing days; cleared by any success
);

CREATE TABLE domain_blocks (
    id                      BIGINT PRIMARY KEY,
    domain                  TEXT    NOT NULL,        -- lower-case host[:port]
    severity                TEXT    NOT NULL,        -- suspend, silence, noop
    reject_media            BOOLEAN NOT NULL DEFAULT FALSE,
    reject_reports          BOOLEAN NOT NULL DEFAULT FALSE,
    private_comment         TEXT,
    public_comment          TEXT,
    created_at              TIMESTAMPTZ    NOT NULL
);
CREATE UNIQUE INDEX domain_blocks_domain ON domain_blocks (domain);

-- Inbound activity ids already accepted: the same activity delivered twice
-- is applied once. Old rows are pruned.
CREATE TABLE received_activities (
    uri                     TEXT    PRIMARY KEY,
    received_at             TIMESTAMPTZ    NOT NULL
);
CREATE INDEX received_activities_time ON received_activities (received_at);

-- A Delete or Undo that arrived before the thing it removes: a late Create
-- or Announce of that uri is dropped.
CREATE TABLE tombstones (
    uri                     TEXT    PRIMARY KEY,
    account_id              BIGINT NOT NULL,
    created_at              TIMESTAMPTZ    NOT NULL
);

-- An outgoing activity's body, stored once; one delivery job per inbox
-- points at it. Deleted when its last delivery finishes.
CREATE TABLE outbox_activities (
    id                      BIGINT PRIMARY KEY,
    account_id              BIGINT NOT NULL,        -- the signer (0: the instance actor)
    body                    TEXT    NOT NULL,
    pending                 BIGINT NOT NULL,        -- deliveries not yet finished
    created_at              TIMESTAMPTZ    NOT NULL
);

-- Reports: a Flag from another instance, or (later) a local user's report.
CREATE TABLE reports (
    id                      BIGINT PRIMARY KEY,
    uri                     TEXT,
    account_id              BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id       BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_ids              JSONB   NOT NULL DEFAULT '[]'::jsonb,
    comment                 TEXT    NOT NULL DEFAULT '',
    category                TEXT    NOT NULL DEFAULT 'other', -- spam, legal, violation, other
    forwarded               BOOLEAN NOT NULL DEFAULT FALSE,
    created_at              TIMESTAMPTZ    NOT NULL,
    action_taken_at         TIMESTAMPTZ
);
CREATE INDEX reports_target ON reports (target_account_id, id);

-- Deliveries have their own workers: claim by queue.
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (queue, run_at) WHERE failed_at IS NULL;
