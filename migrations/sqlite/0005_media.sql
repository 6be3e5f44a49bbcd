-- Media: uploaded and fetched attachments, and the files of avatars and
-- headers. Files live in the configured storage (local disk or S3) under
-- random keys roost generates; rows hold the keys, never a user's path.

CREATE TABLE media_attachments (
    id                      INTEGER PRIMARY KEY,
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- Set when a post takes the upload; an upload never attached is pruned
    -- after a day. A deleted post leaves its media unattached (redraft).
    status_id               INTEGER REFERENCES statuses (id) ON DELETE SET NULL,
    kind                    TEXT    NOT NULL,        -- image, gifv, video, audio, unknown
    state                   TEXT    NOT NULL,        -- ready, processing, failed, remote
    file_key                TEXT,                    -- the processed file (storage key)
    content_type            TEXT,
    file_size               INTEGER NOT NULL DEFAULT 0,
    thumbnail_key           TEXT,                    -- the `small` preview
    thumbnail_size          INTEGER NOT NULL DEFAULT 0,
    custom_thumbnail        INTEGER NOT NULL DEFAULT 0,
    -- The upload as received, kept until a video or audio job has processed it.
    source_key              TEXT,
    meta                    TEXT    NOT NULL DEFAULT '{}',
    description             TEXT,
    focus_x                 REAL,
    focus_y                 REAL,
    blurhash                TEXT,
    -- Remote media: where the file lives on its server. file_key is set
    -- while a copy is cached here.
    remote_url              TEXT,
    created_at              TEXT    NOT NULL,
    updated_at              TEXT    NOT NULL,
    cached_at               TEXT,
    last_viewed_at          TEXT
);
CREATE INDEX media_attachments_status ON media_attachments (status_id) WHERE status_id IS NOT NULL;
CREATE INDEX media_attachments_account ON media_attachments (account_id, id);
-- Pruning: uploads never attached, and cached copies of remote files.
CREATE INDEX media_attachments_unattached ON media_attachments (created_at) WHERE status_id IS NULL AND remote_url IS NULL;
CREATE INDEX media_attachments_cached ON media_attachments (cached_at) WHERE remote_url IS NOT NULL AND file_key IS NOT NULL;
-- Remote attachments whose post was deleted.
CREATE INDEX media_attachments_orphaned ON media_attachments (id) WHERE status_id IS NULL AND remote_url IS NOT NULL;

-- A post's attachments in the author's order (Mastodon's
-- ordered_media_attachment_ids); NULL for a post without media, so
-- `only_media` and rendering skip the media table for most posts.
ALTER TABLE statuses ADD COLUMN media_ids TEXT;
CREATE INDEX statuses_with_media ON statuses (account_id, id) WHERE media_ids IS NOT NULL OR remote_attachments IS NOT NULL;

-- Avatar and header files (storage keys) of local accounts
-- (remote accounts keep their servers' URLs, avatar_remote_url and header_remote_url).
ALTER TABLE accounts ADD COLUMN avatar_key TEXT;
ALTER TABLE accounts ADD COLUMN header_key TEXT;
