-- Custom emoji: a server's own (domain '') added by admins, and other
-- servers' met in posts (domain = their host), each known by its shortcode
-- per domain. A post shows the emoji of its author's domain whose
-- :shortcode: its text contains.
CREATE TABLE custom_emojis (
    id                      BIGINT  PRIMARY KEY,
    shortcode               TEXT    NOT NULL,
    domain                  TEXT    NOT NULL DEFAULT '',
    -- The remote Emoji's id (NULL for local ones).
    uri                     TEXT,
    -- The remote image (NULL for local ones).
    image_remote_url        TEXT,
    -- The stored file: a local emoji's image, or a remote one's copy.
    image_key               TEXT,
    content_type            TEXT    NOT NULL DEFAULT '',
    category                TEXT,
    visible_in_picker       BOOLEAN NOT NULL DEFAULT TRUE,
    disabled                BOOLEAN NOT NULL DEFAULT FALSE,
    created_at              TIMESTAMPTZ NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX custom_emojis_shortcode_domain ON custom_emojis (domain, shortcode);

-- The custom emoji an account's name, note and fields name, as rendered
-- when the profile was last stored: JSON [{shortcode, url}].
ALTER TABLE accounts ADD COLUMN emojis JSONB NOT NULL DEFAULT '[]'::jsonb;
