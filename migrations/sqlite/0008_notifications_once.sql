-- A mention, a subscribed account's new post, a boost, a favourite and a
-- poll's end are told once per recipient, sender and status: redoing a
-- post's effects after a crash (the status_effects job) notifies nobody
-- twice. Earlier duplicates, if any, are dropped first (the oldest stays).
DELETE FROM notifications
WHERE status_id IS NOT NULL
  AND type IN ('mention', 'status', 'reblog', 'favourite', 'poll')
  AND EXISTS (
    SELECT 1 FROM notifications older
    WHERE older.account_id = notifications.account_id
      AND older.type = notifications.type
      AND older.from_account_id = notifications.from_account_id
      AND older.status_id = notifications.status_id
      AND older.id < notifications.id
  );
CREATE UNIQUE INDEX notifications_once
    ON notifications (account_id, type, from_account_id, status_id)
    WHERE status_id IS NOT NULL AND type IN ('mention', 'status', 'reblog', 'favourite', 'poll');
