-- When a recipient's status last changed (unix seconds; 0: unknown), so the
-- dashboard can chart replies and unsubscribes per day. Rows from before this
-- migration take their last send's time, the latest moment the store knows of
-- for them (a reply or unsubscribe came at or after it); recipients never sent
-- to keep 0. One pass over the sent-to recipients through sends_recipient.
ALTER TABLE recipients ADD COLUMN changed_at INTEGER NOT NULL DEFAULT 0;
UPDATE recipients SET changed_at = (SELECT MAX(COALESCE(s.finished_at, s.claimed_at))
                                    FROM sends s WHERE s.recipient_id = recipients.id)
    WHERE status <> 'pending'
      AND EXISTS (SELECT 1 FROM sends s WHERE s.recipient_id = recipients.id);
