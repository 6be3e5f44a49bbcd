-- The home feed is written once per (reader, status) on every post. Each
-- index is one more random write per row of a fan-out: the author index goes
-- (the unfollow purge scans the reader's own primary-key range instead), and
-- so does the cascade from statuses, which would need an index on status_id.
-- Deleting a status removes its rows from its author's and followers' feeds
-- by primary key; any row left behind (a boost's, a tag follower's) points
-- at a status that no longer exists and is skipped when a page is read.
DROP INDEX home_feed_author;
ALTER TABLE home_feed DROP CONSTRAINT home_feed_status_id_fkey;

-- Found with the scale benchmark: posting read every follow of its author to
-- find those with notifications on, and the "author not suspended" check of
-- public timelines read every account.
CREATE INDEX follows_notify ON follows (target_account_id) WHERE notify;
CREATE INDEX accounts_suspended ON accounts (id) WHERE suspended_at IS NOT NULL;
