-- The home feed is written once per (reader, status) on every post and read
-- by (reader, status id) ranges. As a WITHOUT ROWID table each row is one
-- entry in one B-tree clustered by reader, instead of a rowid table plus its
-- primary-key index plus an author index: a fan-out to N readers writes N
-- entries, not 3N. The unfollow purge (reader, author) scans the reader's
-- own range instead of using an index.
--
-- status_id no longer cascades from statuses: a cascade would need an index
-- on it (one more write per row, or a scan of every feed per deletion).
-- Deleting a status removes its rows from its author's and followers' feeds
-- by primary key; any row left behind (a boost's, a tag follower's) points
-- at a status that no longer exists and is skipped when a page is read.
CREATE TABLE home_feed_new (
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id               INTEGER NOT NULL,
    author_id               INTEGER NOT NULL,        -- who posted or boosted it
    PRIMARY KEY (account_id, status_id)
) WITHOUT ROWID;
INSERT INTO home_feed_new (account_id, status_id, author_id)
    SELECT account_id, status_id, author_id FROM home_feed;
DROP TABLE home_feed;
ALTER TABLE home_feed_new RENAME TO home_feed;

-- Found with the scale benchmark: posting read every follow of its author to
-- find those with notifications on, and the "author not suspended" check of
-- public timelines read every account.
CREATE INDEX follows_notify ON follows (target_account_id) WHERE notify;
CREATE INDEX accounts_suspended ON accounts (id) WHERE suspended_at IS NOT NULL;
