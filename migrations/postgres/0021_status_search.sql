-- Full-text search of statuses (issue 19): each post's words (content
-- warning and text) as a tsvector holding both the unstemmed words
-- ('simple') and, when the post's language is one PostgreSQL stems, its
-- stems; a GIN index answers the @@ queries. Boosts are not indexed.
-- Written with the status, rewritten on an edit, gone with it.
CREATE TABLE status_search (
    status_id   BIGINT   PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    document    TSVECTOR NOT NULL,
    has_link    BOOLEAN  NOT NULL DEFAULT FALSE
);
CREATE INDEX status_search_document ON status_search USING GIN (document);
