-- The notification policy (Mastodon 4.3): for each kind of sender, whether
-- their notifications go to the list ("accept"), wait as a request
-- ("filter": stored with filtered set) or are dropped. No row: the defaults.
CREATE TABLE notification_policies (
    account_id              INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    for_not_following       TEXT    NOT NULL,
    for_not_followers       TEXT    NOT NULL,
    for_new_accounts        TEXT    NOT NULL,
    for_private_mentions    TEXT    NOT NULL,
    for_limited_accounts    TEXT    NOT NULL
);
-- Senders whose request a user accepted: never filtered again.
CREATE TABLE notification_permissions (
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, from_account_id)
);
ALTER TABLE notifications ADD COLUMN filtered BOOLEAN NOT NULL DEFAULT false;
-- Requests are read per sender from the filtered notifications.
CREATE INDEX notifications_filtered ON notifications (account_id, from_account_id) WHERE filtered;
