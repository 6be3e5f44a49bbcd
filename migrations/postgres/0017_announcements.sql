-- Announcements admins post for everyone on the server; users dismiss
-- them and react to them with emoji.
CREATE TABLE announcements (
    id                      BIGINT  PRIMARY KEY,
    text                    TEXT    NOT NULL,
    content                 TEXT    NOT NULL,
    starts_at               TIMESTAMPTZ,
    ends_at                 TIMESTAMPTZ,
    all_day                 BOOLEAN NOT NULL DEFAULT FALSE,
    published_at            TIMESTAMPTZ NOT NULL,
    created_at              TIMESTAMPTZ NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL
);

CREATE TABLE announcement_dismissals (
    announcement_id         BIGINT  NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    account_id              BIGINT  NOT NULL,
    PRIMARY KEY (announcement_id, account_id)
);

-- One row per account and emoji (a Unicode emoji, or a custom emoji's
-- shortcode).
CREATE TABLE announcement_reactions (
    announcement_id         BIGINT  NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    account_id              BIGINT  NOT NULL,
    name                    TEXT    NOT NULL,
    created_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (announcement_id, account_id, name)
);
