-- The sender takes a campaign's due recipients in (next_send_at, id) order;
-- the same index as PostgreSQL's 008 (SQLite's recipients_due already ended
-- in the rowid, so this changes no plan here).
CREATE INDEX recipients_due_order ON recipients(campaign_id, next_send_at, id)
    WHERE next_send_at IS NOT NULL;
DROP INDEX recipients_due;
