-- The posts waiting for their search index entry (issue 19). Triggers
-- queue a new post, and a post whose words change, in the transaction
-- that writes it (a key insert, no extra statement from roost), and an
-- indexer task writes the entries a batch at a time, off the request
-- path: one index transaction for many posts costs the writer far less
-- than one per post. A queued id whose post is gone is dropped.
CREATE TABLE search_queue (
    status_id INTEGER PRIMARY KEY
);
CREATE TRIGGER search_queue_new AFTER INSERT ON statuses
WHEN new.reblog_of_id IS NULL BEGIN
    INSERT OR IGNORE INTO search_queue (status_id) VALUES (new.id);
END;
CREATE TRIGGER search_queue_edit AFTER UPDATE OF text, content, spoiler_text, language ON statuses
WHEN new.reblog_of_id IS NULL BEGIN
    INSERT OR IGNORE INTO search_queue (status_id) VALUES (new.id);
END;
