-- The server's rules, shown on /about and in the instance API; reports cite
-- them by id. Deleted rules keep their row (old reports still cite them).
CREATE TABLE rules (
    id                      BIGINT  PRIMARY KEY,
    text                    TEXT    NOT NULL,
    hint                    TEXT    NOT NULL DEFAULT '',
    position                BIGINT  NOT NULL DEFAULT 0,
    created_at              TIMESTAMPTZ NOT NULL,
    deleted_at              TIMESTAMPTZ
);
