-- Data you can trust and own (issue 17): where a lead came from, one
-- per-user suppression list of addresses and whole domains (the sender's
-- unsubscribes land in it too; it replaces the unsubscribes table), and the
-- tombstones of erased addresses (keyed hashes, never the address).
ALTER TABLE leads ADD COLUMN source TEXT NOT NULL DEFAULT '';

-- value: a lower-cased address, or a lower-cased domain (no '@')
CREATE TABLE suppressions (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    value      TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT 'manual' CHECK (reason IN ('manual', 'unsubscribe')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, value)
);
INSERT INTO suppressions (user_id, value, reason, created_at)
    SELECT user_id, email_key, 'unsubscribe', created_at FROM unsubscribes;
DROP TABLE unsubscribes;

-- hash: hex HMAC-SHA-256 of the lower-cased address under the store's secret
CREATE TABLE erasures (
    hash       TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
);
CREATE INDEX leads_email_key ON leads(email_key);
