-- Cost that does not grow with the data (issue 21): per-campaign counters
-- kept by triggers in the writing transaction, so every path that adds,
-- moves or deletes a recipient or a send (launch, the sender's claim and
-- record, replies and unsubscribes, erasure) keeps them exact without
-- knowing about them. Statement triggers with transition tables: one
-- aggregate per statement, so a launch batch of thousands of rows costs one
-- counter update. One counter row per campaign, so a transaction locks at
-- most one row per campaign it touches.
-- sends: the campaign's sends handed to a server ('sending' or 'sent').
-- launch_beat: while a launch populates in batches (status 'launching'),
-- when its last batch committed; a stale beat lets a new launch take over.
CREATE TABLE campaign_counts (
    campaign_id  BIGINT PRIMARY KEY REFERENCES campaigns(id),
    pending      BIGINT NOT NULL DEFAULT 0,
    in_progress  BIGINT NOT NULL DEFAULT 0,
    completed    BIGINT NOT NULL DEFAULT 0,
    replied      BIGINT NOT NULL DEFAULT 0,
    bounced      BIGINT NOT NULL DEFAULT 0,
    unsubscribed BIGINT NOT NULL DEFAULT 0,
    failed       BIGINT NOT NULL DEFAULT 0,
    sends        BIGINT NOT NULL DEFAULT 0
);
ALTER TABLE campaigns ADD COLUMN launch_beat BIGINT NOT NULL DEFAULT 0;

INSERT INTO campaign_counts (campaign_id, pending, in_progress, completed, replied, bounced,
                             unsubscribed, failed, sends)
SELECT c.id,
       COUNT(*) FILTER (WHERE r.status = 'pending'),
       COUNT(*) FILTER (WHERE r.status = 'in_progress'),
       COUNT(*) FILTER (WHERE r.status = 'completed'),
       COUNT(*) FILTER (WHERE r.status = 'replied'),
       COUNT(*) FILTER (WHERE r.status = 'bounced'),
       COUNT(*) FILTER (WHERE r.status = 'unsubscribed'),
       COUNT(*) FILTER (WHERE r.status = 'failed'),
       (SELECT COUNT(*) FROM sends s WHERE s.campaign_id = c.id AND s.state IN ('sending', 'sent'))
FROM campaigns c LEFT JOIN recipients r ON r.campaign_id = c.id GROUP BY c.id;

CREATE FUNCTION campaign_counts_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO campaign_counts (campaign_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER campaign_counts_new AFTER INSERT ON campaigns
    FOR EACH ROW EXECUTE FUNCTION campaign_counts_new();

CREATE FUNCTION recipients_count_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE campaign_counts cc SET
        pending = cc.pending + d.pending, in_progress = cc.in_progress + d.in_progress,
        completed = cc.completed + d.completed, replied = cc.replied + d.replied,
        bounced = cc.bounced + d.bounced, unsubscribed = cc.unsubscribed + d.unsubscribed,
        failed = cc.failed + d.failed
    FROM (SELECT campaign_id,
                 COUNT(*) FILTER (WHERE status = 'pending') AS pending,
                 COUNT(*) FILTER (WHERE status = 'in_progress') AS in_progress,
                 COUNT(*) FILTER (WHERE status = 'completed') AS completed,
                 COUNT(*) FILTER (WHERE status = 'replied') AS replied,
                 COUNT(*) FILTER (WHERE status = 'bounced') AS bounced,
                 COUNT(*) FILTER (WHERE status = 'unsubscribed') AS unsubscribed,
                 COUNT(*) FILTER (WHERE status = 'failed') AS failed
          FROM new_rows GROUP BY campaign_id ORDER BY campaign_id) d
    WHERE cc.campaign_id = d.campaign_id;
    RETURN NULL;
END $$;

CREATE FUNCTION recipients_count_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE campaign_counts cc SET
        pending = cc.pending - d.pending, in_progress = cc.in_progress - d.in_progress,
        completed = cc.completed - d.completed, replied = cc.replied - d.replied,
        bounced = cc.bounced - d.bounced, unsubscribed = cc.unsubscribed - d.unsubscribed,
        failed = cc.failed - d.failed
    FROM (SELECT campaign_id,
                 COUNT(*) FILTER (WHERE status = 'pending') AS pending,
                 COUNT(*) FILTER (WHERE status = 'in_progress') AS in_progress,
                 COUNT(*) FILTER (WHERE status = 'completed') AS completed,
                 COUNT(*) FILTER (WHERE status = 'replied') AS replied,
                 COUNT(*) FILTER (WHERE status = 'bounced') AS bounced,
                 COUNT(*) FILTER (WHERE status = 'unsubscribed') AS unsubscribed,
                 COUNT(*) FILTER (WHERE status = 'failed') AS failed
          FROM old_rows GROUP BY campaign_id ORDER BY campaign_id) d
    WHERE cc.campaign_id = d.campaign_id;
    RETURN NULL;
END $$;

CREATE FUNCTION recipients_count_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE campaign_counts cc SET
        pending = cc.pending + d.pending, in_progress = cc.in_progress + d.in_progress,
        completed = cc.completed + d.completed, replied = cc.replied + d.replied,
        bounced = cc.bounced + d.bounced, unsubscribed = cc.unsubscribed + d.unsubscribed,
        failed = cc.failed + d.failed
    FROM (SELECT campaign_id,
                 COALESCE(SUM(k) FILTER (WHERE status = 'pending'), 0) AS pending,
                 COALESCE(SUM(k) FILTER (WHERE status = 'in_progress'), 0) AS in_progress,
                 COALESCE(SUM(k) FILTER (WHERE status = 'completed'), 0) AS completed,
                 COALESCE(SUM(k) FILTER (WHERE status = 'replied'), 0) AS replied,
                 COALESCE(SUM(k) FILTER (WHERE status = 'bounced'), 0) AS bounced,
                 COALESCE(SUM(k) FILTER (WHERE status = 'unsubscribed'), 0) AS unsubscribed,
                 COALESCE(SUM(k) FILTER (WHERE status = 'failed'), 0) AS failed
          FROM (SELECT campaign_id, status, 1 AS k FROM new_rows
                UNION ALL SELECT campaign_id, status, -1 FROM old_rows) changed
          GROUP BY campaign_id ORDER BY campaign_id) d
    WHERE cc.campaign_id = d.campaign_id
      AND (d.pending, d.in_progress, d.completed, d.replied, d.bounced, d.unsubscribed, d.failed)
          <> (0, 0, 0, 0, 0, 0, 0);
    RETURN NULL;
END $$;

CREATE TRIGGER recipients_count_ins AFTER INSERT ON recipients REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION recipients_count_ins();
CREATE TRIGGER recipients_count_del AFTER DELETE ON recipients REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION recipients_count_del();
CREATE TRIGGER recipients_count_upd AFTER UPDATE ON recipients
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION recipients_count_upd();

-- sends handed to a server, per campaign: +1 for each row entering the set, -1 leaving
CREATE FUNCTION sends_count_delta(cid BIGINT, delta BIGINT) RETURNS void LANGUAGE sql AS $$
    UPDATE campaign_counts SET sends = sends + delta WHERE campaign_id = cid AND delta <> 0
$$;

CREATE FUNCTION sends_count_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sends_count_delta(campaign_id, COUNT(*)) FROM new_rows
        WHERE state IN ('sending', 'sent') GROUP BY campaign_id ORDER BY campaign_id;
    RETURN NULL;
END $$;
CREATE FUNCTION sends_count_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sends_count_delta(campaign_id, -COUNT(*)) FROM old_rows
        WHERE state IN ('sending', 'sent') GROUP BY campaign_id ORDER BY campaign_id;
    RETURN NULL;
END $$;
CREATE FUNCTION sends_count_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sends_count_delta(campaign_id, SUM(k)) FROM (
        SELECT campaign_id, 1 AS k FROM new_rows WHERE state IN ('sending', 'sent')
        UNION ALL SELECT campaign_id, -1 FROM old_rows WHERE state IN ('sending', 'sent')) changed
        GROUP BY campaign_id ORDER BY campaign_id;
    RETURN NULL;
END $$;

CREATE TRIGGER sends_count_ins AFTER INSERT ON sends REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sends_count_ins();
CREATE TRIGGER sends_count_del AFTER DELETE ON sends REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sends_count_del();
CREATE TRIGGER sends_count_upd AFTER UPDATE ON sends
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sends_count_upd();

-- keyset pages: a project's leads by id, a campaign's recipients by lead
-- (UNIQUE (campaign_id, lead_id) serves the unfiltered case); the latest
-- delivered send of a campaign.
CREATE INDEX leads_project ON leads(project_id, id);
CREATE INDEX recipients_status_lead ON recipients(campaign_id, status, lead_id);
CREATE INDEX sends_delivered ON sends(campaign_id, finished_at) WHERE state = 'sent';
