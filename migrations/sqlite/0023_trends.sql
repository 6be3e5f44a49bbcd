-- Trends (issue 19): the latest ranking of trending hashtags, posts and
-- links, replaced whole by each recomputation, and staff's reviews, kept
-- across recomputations. `key` is the tag's name, the status id or the
-- link's URL; `id` is what the admin API names it by.
CREATE TABLE trends (
    kind        TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    id          INTEGER NOT NULL,
    score       REAL    NOT NULL,
    uses        INTEGER NOT NULL,
    accounts    INTEGER NOT NULL,
    computed_at TEXT    NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX trends_by_score ON trends (kind, score);
CREATE TABLE trend_reviews (
    kind        TEXT    NOT NULL,
    id          INTEGER NOT NULL,
    state       TEXT    NOT NULL,
    reviewed_at TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
);
