-- What the campaign sender needs: every claimed send (its state, Message-ID,
-- SMTP outcome and the ledger row that charged it), recipients that can fail
-- for good, and the reason a campaign's status was set by the system.
-- A recipient is due when its next_send_at has come; the rules above the
-- store set it to NULL for anyone not waiting (claimed, finished, stopped).
-- recipients gains 'failed' in its CHECK, so it is rebuilt (SQLite's
-- documented way). Foreign keys are on and cannot be switched off inside the
-- migration's transaction, so sends (its only child) is set aside first and
-- rebuilt after, pointing at the same ids.
CREATE TEMP TABLE sends_v6 AS SELECT * FROM sends;
DROP TABLE sends;

ALTER TABLE campaigns ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX campaigns_status ON campaigns(status);

CREATE TABLE recipients_v7 (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id),
    lead_id      INTEGER NOT NULL REFERENCES leads(id),
    email        TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_progress',
                 'completed', 'replied', 'bounced', 'unsubscribed', 'failed')),
    current_step INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0, -- temporary failures of the current step
    reason       TEXT NOT NULL DEFAULT '',   -- why it failed or bounced
    last_sent_at INTEGER,
    next_send_at INTEGER,
    UNIQUE (campaign_id, lead_id)
);
INSERT INTO recipients_v7 (id, campaign_id, lead_id, email, status, current_step, last_sent_at,
                           next_send_at)
    SELECT id, campaign_id, lead_id, email, status, current_step, last_sent_at, next_send_at
    FROM recipients;
DROP TABLE recipients;
ALTER TABLE recipients_v7 RENAME TO recipients;
CREATE INDEX recipients_status ON recipients(campaign_id, status);
CREATE INDEX recipients_due ON recipients(campaign_id, next_send_at)
    WHERE next_send_at IS NOT NULL;

-- One row per claim: 'sending' from the claim (charged, counted) until the
-- outcome is recorded; a crash leaves it 'sending' for reconciliation.
CREATE TABLE sends (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id),
    recipient_id INTEGER NOT NULL REFERENCES recipients(id),
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    step         INTEGER NOT NULL,
    message_id   TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'sent' CHECK (state IN ('sending', 'sent', 'bounced',
                 'deferred', 'failed')),
    ledger_id    INTEGER REFERENCES credit_ledger(id),
    smtp_code    INTEGER NOT NULL DEFAULT 0,
    reason       TEXT NOT NULL DEFAULT '',
    claimed_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
INSERT INTO sends (id, campaign_id, recipient_id, account_id, step, message_id, claimed_at,
                      finished_at)
    SELECT id, campaign_id, recipient_id, account_id, step,
           CASE message_id WHEN '' THEN 'legacy-' || id ELSE message_id END, sent_at, sent_at
    FROM sends_v6;
DROP TABLE sends_v6;
CREATE INDEX sends_campaign ON sends(campaign_id, claimed_at);
CREATE INDEX sends_account ON sends(account_id, claimed_at);
CREATE UNIQUE INDEX sends_message ON sends(message_id);
CREATE INDEX sends_unfinished ON sends(state) WHERE state = 'sending';
-- Exactly once: one live or delivered send per recipient and step.
CREATE UNIQUE INDEX sends_once ON sends(recipient_id, step) WHERE state IN ('sending', 'sent');
