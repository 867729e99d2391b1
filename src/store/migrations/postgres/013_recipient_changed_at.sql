-- When a recipient's status last changed (unix seconds; 0: unknown), so the
-- dashboard can chart replies and unsubscribes per day. Rows from before this
-- migration take their last send's time, the latest moment the store knows of
-- for them (a reply or unsubscribe came at or after it); recipients never sent
-- to keep 0. One pass over sends, grouped by recipient.
ALTER TABLE recipients ADD COLUMN changed_at BIGINT NOT NULL DEFAULT 0;
UPDATE recipients r SET changed_at = s.at
    FROM (SELECT recipient_id, MAX(COALESCE(finished_at, claimed_at)) AS at
          FROM sends GROUP BY recipient_id) s
    WHERE s.recipient_id = r.id AND r.status <> 'pending';
