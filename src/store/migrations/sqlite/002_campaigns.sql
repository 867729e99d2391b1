-- Sending accounts, the campaign data model (steps, accounts, recipients,
-- sends) and the per-user unsubscribe list.
CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    type         TEXT NOT NULL CHECK (type IN ('smtp', 'gmail')),
    address      TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    smtp_host    TEXT NOT NULL DEFAULT '',
    smtp_port    INTEGER NOT NULL DEFAULT 0,
    tls_mode     TEXT NOT NULL DEFAULT 'starttls' CHECK (tls_mode IN ('none', 'starttls', 'tls')),
    username     TEXT NOT NULL DEFAULT '',
    imap_host    TEXT NOT NULL DEFAULT '',
    imap_port    INTEGER NOT NULL DEFAULT 0,
    daily_limit  INTEGER NOT NULL DEFAULT 50,
    secret       TEXT NOT NULL DEFAULT '', -- hex(nonce || XChaCha20-Poly1305 ciphertext)
    created_at   INTEGER NOT NULL,
    UNIQUE (user_id, type, address)
);

ALTER TABLE campaigns ADD COLUMN steps TEXT NOT NULL DEFAULT '[]';
ALTER TABLE campaigns ADD COLUMN daily_limit INTEGER NOT NULL DEFAULT 50;
ALTER TABLE campaigns ADD COLUMN batch_size INTEGER NOT NULL DEFAULT 5;
ALTER TABLE campaigns ADD COLUMN launched_at INTEGER;

CREATE TABLE campaign_accounts (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, account_id)
);

CREATE TABLE recipients (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id),
    lead_id      INTEGER NOT NULL REFERENCES leads(id),
    email        TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                 ('pending', 'in_progress', 'completed', 'replied', 'bounced', 'unsubscribed')),
    current_step INTEGER NOT NULL DEFAULT 0,
    last_sent_at INTEGER,
    next_send_at INTEGER,
    UNIQUE (campaign_id, lead_id)
);
CREATE INDEX recipients_status ON recipients(campaign_id, status);

CREATE TABLE sends (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id),
    recipient_id INTEGER NOT NULL REFERENCES recipients(id),
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    step         INTEGER NOT NULL,
    message_id   TEXT NOT NULL DEFAULT '',
    sent_at      INTEGER NOT NULL
);
CREATE INDEX sends_campaign ON sends(campaign_id, sent_at);

CREATE TABLE unsubscribes (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    email_key  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, email_key)
);
