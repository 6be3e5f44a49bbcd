-- Web Push subscriptions: one per access token (a new one replaces it),
-- gone with the token or the account. The token's own text is kept because
-- Mastodon's push payload carries it for the client (see docs/security.md).
CREATE TABLE push_subscriptions (
    id                  BIGINT PRIMARY KEY,
    token_id            BIGINT  NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    account_id          BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    endpoint            TEXT    NOT NULL,
    key_p256dh          TEXT    NOT NULL,
    key_auth            TEXT    NOT NULL,
    standard            BOOLEAN NOT NULL,
    alerts              JSONB   NOT NULL,      -- JSON object: notification type -> bool
    policy              TEXT    NOT NULL,      -- all | followed | follower | none
    access_token        TEXT    NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX push_subscriptions_token ON push_subscriptions (token_id);
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);
