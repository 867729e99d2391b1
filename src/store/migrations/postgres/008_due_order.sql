-- The sender takes a campaign's due recipients in (next_send_at, id) order, a
-- batch at a time; with the id in the index that is an index range read, not
-- a sort of every due row (a launch makes them all due at once: a sort of a
-- million rows per batch).
CREATE INDEX recipients_due_order ON recipients(campaign_id, next_send_at, id)
    WHERE next_send_at IS NOT NULL;
DROP INDEX recipients_due;
