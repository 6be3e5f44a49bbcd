-- Link preview cards (issue 19): what the first link of a post shows, read
-- from the linked page (OpenGraph, oEmbed) by a job, once per URL and
-- shared by every post linking it. `url` is the link as posts carry it;
-- `image_key` is the card's image, stored like media. A post's card is
-- its row in status_cards; the trigger takes it out with the post.
CREATE TABLE preview_cards (
    id                INTEGER PRIMARY KEY,
    url               TEXT    NOT NULL UNIQUE,
    title             TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    kind              TEXT    NOT NULL,
    author_name       TEXT    NOT NULL,
    author_url        TEXT    NOT NULL,
    provider_name     TEXT    NOT NULL,
    provider_url      TEXT    NOT NULL,
    html              TEXT    NOT NULL,
    width             INTEGER NOT NULL,
    height            INTEGER NOT NULL,
    image_key         TEXT,
    image_width       INTEGER NOT NULL,
    image_height      INTEGER NOT NULL,
    image_description TEXT    NOT NULL,
    embed_url         TEXT    NOT NULL,
    blurhash          TEXT,
    language          TEXT,
    published_at      TEXT,
    fetched_at        TEXT    NOT NULL
);
CREATE TABLE status_cards (
    status_id INTEGER PRIMARY KEY,
    card_id   INTEGER NOT NULL REFERENCES preview_cards (id) ON DELETE CASCADE
);
CREATE INDEX status_cards_by_card ON status_cards (card_id);
CREATE TRIGGER status_cards_gone AFTER DELETE ON statuses BEGIN
    DELETE FROM status_cards WHERE status_id = old.id;
END;
