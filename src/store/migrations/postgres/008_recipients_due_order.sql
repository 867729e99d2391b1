-- The sender takes a campaign's due recipients in (next_send_at, id) order, a
-- batch at a time. With id in the index the scan returns them in that order
-- and stops after the batch; without it PostgreSQL sorts every due row (all of
-- a campaign's recipients right after launch, when they share next_send_at).
-- SQLite's recipients_due already ends with the rowid (= id), so it needs no change.
CREATE INDEX recipients_due_order ON recipients(campaign_id, next_send_at, id)
    WHERE next_send_at IS NOT NULL;
DROP INDEX recipients_due;
