-- Link preview cards (issue 19): what the first link of a post shows, read
-- from the linked page (OpenGraph, oEmbed) by a job, once per URL and
-- shared by every post linking it. `url` is the link as posts carry it;
-- `image_key` is the card's image, stored like media. A post's card is
-- its row in status_cards, which goes with the post.
CREATE TABLE preview_cards (
    id                BIGINT      PRIMARY KEY,
    url               TEXT        NOT NULL UNIQUE,
    title             TEXT        NOT NULL,
    description       TEXT        NOT NULL,
    kind              TEXT        NOT NULL,
    author_name       TEXT        NOT NULL,
    author_url        TEXT        NOT NULL,
    provider_name     TEXT        NOT NULL,
    provider_url      TEXT        NOT NULL,
    html              TEXT        NOT NULL,
    width             BIGINT      NOT NULL,
    height            BIGINT      NOT NULL,
    image_key         TEXT,
    image_width       BIGINT      NOT NULL,
    image_height      BIGINT      NOT NULL,
    image_description TEXT        NOT NULL,
    embed_url         TEXT        NOT NULL,
    blurhash          TEXT,
    language          TEXT,
    published_at      TIMESTAMPTZ,
    fetched_at        TIMESTAMPTZ NOT NULL
);
CREATE TABLE status_cards (
    status_id BIGINT PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    card_id   BIGINT NOT NULL REFERENCES preview_cards (id) ON DELETE CASCADE
);
CREATE INDEX status_cards_by_card ON status_cards (card_id);
