-- Grouped notifications (Mastodon 4.3): favourites and boosts of one post,
-- and follows, made within 12 hours of a group's start share its key
-- ("favourite-<status>-<hour>", "follow-<hour>"); other kinds, and
-- notifications written before this migration, are their own group
-- ("ungrouped-<id>", computed when read).
ALTER TABLE notifications ADD COLUMN group_key TEXT;
CREATE INDEX notifications_group ON notifications (account_id, group_key) WHERE group_key IS NOT NULL;
