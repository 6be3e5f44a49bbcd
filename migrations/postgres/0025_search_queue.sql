-- The posts waiting for their search index entry (issue 19). Triggers
-- queue a new post, and a post whose words change, in the transaction
-- that writes it (a key insert, no extra round trip from roost), and an
-- indexer task writes the entries a batch at a time, off the request
-- path: one index transaction for many posts costs the writer far less
-- than one per post. A queued id whose post is gone is dropped.
CREATE TABLE search_queue (
    status_id BIGINT PRIMARY KEY
);
CREATE FUNCTION search_queue_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_queue (status_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER search_queue_new AFTER INSERT ON statuses
    FOR EACH ROW WHEN (NEW.reblog_of_id IS NULL) EXECUTE FUNCTION search_queue_status();
CREATE TRIGGER search_queue_edit AFTER UPDATE OF text, content, spoiler_text, language ON statuses
    FOR EACH ROW WHEN (NEW.reblog_of_id IS NULL) EXECUTE FUNCTION search_queue_status();
-- The planner's estimate of how many posts hold a word comes from the most
-- common words ANALYZE keeps; with the default 100-entry statistics every
-- rarer word was guessed at thousands of posts, and a search for a rare
-- word walked the index newest first through a hundred thousand posts
-- (36–64 ms at a million posts) instead of reading its few matches from
-- the GIN index (5–7 ms). A larger sample keeps more words.
ALTER TABLE status_search ALTER COLUMN document SET STATISTICS 1000;
