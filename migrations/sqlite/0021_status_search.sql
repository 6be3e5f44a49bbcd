-- Full-text search of statuses (issue 19). An FTS5 table whose rowid is
-- the status id: the words of each post (content warning and text) and
-- whether it links somewhere; boosts are not indexed. Whole words,
-- case- and accent-insensitive (unicode61 without stemming, the same for
-- every language). Written with the status, rewritten on an edit; the
-- trigger takes a post out when its row goes, also when an account's
-- deletion cascades to its posts.
CREATE VIRTUAL TABLE status_search USING fts5(
    body,
    has_link UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER status_search_gone AFTER DELETE ON statuses BEGIN
    DELETE FROM status_search WHERE rowid = old.id;
END;
