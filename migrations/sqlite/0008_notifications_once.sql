-- A mention, a subscribed account's new post, a boost, a favourite and a
-- poll's end are told once per recipient, sender and status: redoing a
-- post's effects after a crash (the status_effects job) notifies nobody
-- twice. Earlier duplicates, if any, are dropped first (the oldest stays).
DELETE FROM notifications
WHERE status_id IS NOT NULL
  AND type IN ('mention', 'status', 'reblog', 'favourite', 'poll')
  AND id NOT IN (
    SELECT MIN(id) FROM notifications
    WHERE status_id IS NOT NULL
      AND type IN ('mention', 'status', 'reblog', 'favourite', 'poll')
    GROUP BY account_id, type, from_account_id, status_id
  );
CREATE UNIQUE INDEX notifications_once
    ON notifications (account_id, type, from_account_id, status_id)
    WHERE status_id IS NOT NULL AND type IN ('mention', 'status', 'reblog', 'favourite', 'poll');
