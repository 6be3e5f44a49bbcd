-- Quote posts (Mastodon 4.5, FEP-044f). Each post carries who may quote it
-- as Mastodon's bitmap: automatic approval in the high 16 bits, manual
-- approval in the low 16; flags 1 unsupported, 2 public, 4 followers,
-- 8 following. 0 is "nobody but the author".
ALTER TABLE statuses ADD COLUMN quote_policy INTEGER NOT NULL DEFAULT 0;
ALTER TABLE statuses ADD COLUMN quotes_count INTEGER NOT NULL DEFAULT 0;
-- Posts written before quotes existed: public and unlisted ones may be
-- quoted by anyone, as new posts are by default.
UPDATE statuses SET quote_policy = 131072
 WHERE local AND reblog_of_id IS NULL AND visibility IN ('public', 'unlisted');

-- A user's default for new posts: public, followers or nobody.
ALTER TABLE users ADD COLUMN default_quote_policy TEXT NOT NULL DEFAULT 'public';

-- One row per quoting post. `quoted_status_id` stays when the quoted post
-- is deleted (the quote then reads `deleted`); `state` is pending,
-- accepted, rejected or revoked. `activity_uri` is the QuoteRequest's id,
-- `approval_uri` the QuoteAuthorization (stamp) that accepted it.
CREATE TABLE quotes (
    id                      INTEGER  PRIMARY KEY,
    status_id               INTEGER  NOT NULL UNIQUE REFERENCES statuses (id) ON DELETE CASCADE,
    account_id              INTEGER  NOT NULL,
    quoted_uri              TEXT     NOT NULL,
    quoted_status_id        INTEGER,
    quoted_account_id       INTEGER,
    state                   TEXT     NOT NULL,
    legacy                  BOOLEAN  NOT NULL DEFAULT FALSE,
    activity_uri            TEXT,
    approval_uri            TEXT,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);
-- The quotes of a post, newest first (GET /api/v1/statuses/:id/quotes).
CREATE INDEX quotes_by_quoted ON quotes (quoted_status_id, id);
-- An Accept or Reject names the QuoteRequest; a Delete names the stamp.
CREATE INDEX quotes_by_activity ON quotes (activity_uri);
CREATE INDEX quotes_by_approval ON quotes (approval_uri);
-- A quote of a post not known yet is linked when it arrives.
CREATE INDEX quotes_by_quoted_uri ON quotes (quoted_uri) WHERE quoted_status_id IS NULL;
