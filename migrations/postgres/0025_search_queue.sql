-- The posts waiting for their search index entry (issue 19). A new or
-- edited post is queued here in its own transaction, a cheap key insert,
-- and an indexer task writes the entries a batch at a time, off the
-- request path: one index transaction for many posts costs the writer far
-- less than one per post. A queued id whose post is gone is dropped.
CREATE TABLE search_queue (
    status_id BIGINT PRIMARY KEY
);
