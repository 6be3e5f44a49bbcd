-- Collections (Mastodon 4.6): accounts a user recommends, curated in
-- named collections of at most 25. Local only: every item is a local
-- account, accepted when added (its discoverable and locked flags are
-- its consent); `revoked` when the featured account withdrew.
CREATE TABLE featured_collections (
    id                      INTEGER  PRIMARY KEY,
    account_id              INTEGER  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                    TEXT     NOT NULL,
    description             TEXT     NOT NULL DEFAULT '',
    language                TEXT,
    sensitive               BOOLEAN  NOT NULL DEFAULT FALSE,
    discoverable            BOOLEAN  NOT NULL DEFAULT TRUE,
    tag_name                TEXT,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);
-- An account's collections, newest first.
CREATE INDEX featured_collections_by_account ON featured_collections (account_id, id);

CREATE TABLE collection_items (
    id                      INTEGER  PRIMARY KEY,
    collection_id           INTEGER  NOT NULL REFERENCES featured_collections (id) ON DELETE CASCADE,
    account_id              INTEGER  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    state                   TEXT     NOT NULL,
    position                INTEGER  NOT NULL,
    created_at              TEXT NOT NULL,
    UNIQUE (collection_id, account_id)
);
-- The collections an account is featured in (in_collections).
CREATE INDEX collection_items_by_account ON collection_items (account_id, collection_id);

-- The collection an `added_to_collection` or `collection_update`
-- notification is about.
ALTER TABLE notifications ADD COLUMN collection_id INTEGER;
