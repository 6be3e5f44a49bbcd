-- Announcements admins post for everyone on the server; users dismiss
-- them and react to them with emoji.
CREATE TABLE announcements (
    id                      INTEGER  PRIMARY KEY,
    text                    TEXT    NOT NULL,
    content                 TEXT    NOT NULL,
    starts_at               TEXT,
    ends_at                 TEXT,
    all_day                 BOOLEAN NOT NULL DEFAULT FALSE,
    published_at            TEXT NOT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);

CREATE TABLE announcement_dismissals (
    announcement_id         INTEGER  NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    account_id              INTEGER  NOT NULL,
    PRIMARY KEY (announcement_id, account_id)
);

-- One row per account and emoji (a Unicode emoji, or a custom emoji's
-- shortcode).
CREATE TABLE announcement_reactions (
    announcement_id         INTEGER  NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    account_id              INTEGER  NOT NULL,
    name                    TEXT    NOT NULL,
    created_at              TEXT NOT NULL,
    PRIMARY KEY (announcement_id, account_id, name)
);
