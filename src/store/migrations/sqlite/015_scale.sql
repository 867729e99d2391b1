-- Cost that does not grow with the data (issue 21): per-campaign counters
-- kept by triggers in the writing transaction, so every path that adds,
-- moves or deletes a recipient or a send (launch, the sender's claim and
-- record, replies and unsubscribes, erasure) keeps them exact without
-- knowing about them; and indexes for keyset paging.
-- sends: the campaign's sends handed to a server ('sending' or 'sent').
-- launch_beat: while a launch populates in batches (status 'launching'),
-- when its last batch committed; a stale beat lets a new launch take over.
CREATE TABLE campaign_counts (
    campaign_id  INTEGER PRIMARY KEY REFERENCES campaigns(id),
    pending      INTEGER NOT NULL DEFAULT 0,
    in_progress  INTEGER NOT NULL DEFAULT 0,
    completed    INTEGER NOT NULL DEFAULT 0,
    replied      INTEGER NOT NULL DEFAULT 0,
    bounced      INTEGER NOT NULL DEFAULT 0,
    unsubscribed INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    sends        INTEGER NOT NULL DEFAULT 0
);
ALTER TABLE campaigns ADD COLUMN launch_beat INTEGER NOT NULL DEFAULT 0;

INSERT INTO campaign_counts (campaign_id) SELECT id FROM campaigns;
UPDATE campaign_counts SET
    pending = (SELECT COUNT(*) FROM recipients r WHERE r.campaign_id = campaign_counts.campaign_id
               AND r.status = 'pending'),
    in_progress = (SELECT COUNT(*) FROM recipients r
                   WHERE r.campaign_id = campaign_counts.campaign_id AND r.status = 'in_progress'),
    completed = (SELECT COUNT(*) FROM recipients r
                 WHERE r.campaign_id = campaign_counts.campaign_id AND r.status = 'completed'),
    replied = (SELECT COUNT(*) FROM recipients r WHERE r.campaign_id = campaign_counts.campaign_id
               AND r.status = 'replied'),
    bounced = (SELECT COUNT(*) FROM recipients r WHERE r.campaign_id = campaign_counts.campaign_id
               AND r.status = 'bounced'),
    unsubscribed = (SELECT COUNT(*) FROM recipients r
                    WHERE r.campaign_id = campaign_counts.campaign_id
                    AND r.status = 'unsubscribed'),
    failed = (SELECT COUNT(*) FROM recipients r WHERE r.campaign_id = campaign_counts.campaign_id
              AND r.status = 'failed'),
    sends = (SELECT COUNT(*) FROM sends s WHERE s.campaign_id = campaign_counts.campaign_id
             AND s.state IN ('sending', 'sent'));

CREATE TRIGGER campaign_counts_new AFTER INSERT ON campaigns BEGIN
    INSERT INTO campaign_counts (campaign_id) VALUES (NEW.id);
END;

CREATE TRIGGER recipients_count_insert AFTER INSERT ON recipients BEGIN
    UPDATE campaign_counts SET pending = pending + (NEW.status = 'pending'),
        in_progress = in_progress + (NEW.status = 'in_progress'),
        completed = completed + (NEW.status = 'completed'),
        replied = replied + (NEW.status = 'replied'),
        bounced = bounced + (NEW.status = 'bounced'),
        unsubscribed = unsubscribed + (NEW.status = 'unsubscribed'),
        failed = failed + (NEW.status = 'failed')
    WHERE campaign_id = NEW.campaign_id;
END;

CREATE TRIGGER recipients_count_update AFTER UPDATE OF status, campaign_id ON recipients
WHEN OLD.status IS NOT NEW.status OR OLD.campaign_id IS NOT NEW.campaign_id BEGIN
    UPDATE campaign_counts SET pending = pending - (OLD.status = 'pending'),
        in_progress = in_progress - (OLD.status = 'in_progress'),
        completed = completed - (OLD.status = 'completed'),
        replied = replied - (OLD.status = 'replied'),
        bounced = bounced - (OLD.status = 'bounced'),
        unsubscribed = unsubscribed - (OLD.status = 'unsubscribed'),
        failed = failed - (OLD.status = 'failed')
    WHERE campaign_id = OLD.campaign_id;
    UPDATE campaign_counts SET pending = pending + (NEW.status = 'pending'),
        in_progress = in_progress + (NEW.status = 'in_progress'),
        completed = completed + (NEW.status = 'completed'),
        replied = replied + (NEW.status = 'replied'),
        bounced = bounced + (NEW.status = 'bounced'),
        unsubscribed = unsubscribed + (NEW.status = 'unsubscribed'),
        failed = failed + (NEW.status = 'failed')
    WHERE campaign_id = NEW.campaign_id;
END;

CREATE TRIGGER recipients_count_delete AFTER DELETE ON recipients BEGIN
    UPDATE campaign_counts SET pending = pending - (OLD.status = 'pending'),
        in_progress = in_progress - (OLD.status = 'in_progress'),
        completed = completed - (OLD.status = 'completed'),
        replied = replied - (OLD.status = 'replied'),
        bounced = bounced - (OLD.status = 'bounced'),
        unsubscribed = unsubscribed - (OLD.status = 'unsubscribed'),
        failed = failed - (OLD.status = 'failed')
    WHERE campaign_id = OLD.campaign_id;
END;

CREATE TRIGGER sends_count_insert AFTER INSERT ON sends
WHEN NEW.state IN ('sending', 'sent') BEGIN
    UPDATE campaign_counts SET sends = sends + 1 WHERE campaign_id = NEW.campaign_id;
END;

CREATE TRIGGER sends_count_update AFTER UPDATE OF state, campaign_id ON sends
WHEN (OLD.state IN ('sending', 'sent')) <> (NEW.state IN ('sending', 'sent'))
     OR OLD.campaign_id IS NOT NEW.campaign_id BEGIN
    UPDATE campaign_counts SET sends = sends - (OLD.state IN ('sending', 'sent'))
    WHERE campaign_id = OLD.campaign_id;
    UPDATE campaign_counts SET sends = sends + (NEW.state IN ('sending', 'sent'))
    WHERE campaign_id = NEW.campaign_id;
END;

CREATE TRIGGER sends_count_delete AFTER DELETE ON sends
WHEN OLD.state IN ('sending', 'sent') BEGIN
    UPDATE campaign_counts SET sends = sends - 1 WHERE campaign_id = OLD.campaign_id;
END;

-- keyset pages: a project's leads by id (the rowid rides along), a
-- campaign's recipients by lead (UNIQUE (campaign_id, lead_id) serves the
-- unfiltered case); the latest delivered send of a campaign.
CREATE INDEX leads_project ON leads(project_id);
CREATE INDEX recipients_status_lead ON recipients(campaign_id, status, lead_id);
CREATE INDEX sends_delivered ON sends(campaign_id, finished_at) WHERE state = 'sent';
