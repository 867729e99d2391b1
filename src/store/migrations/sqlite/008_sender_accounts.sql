-- What the sender keeps per sending account: when it may send (a window of
-- days and hours in its time zone, a minimum gap plus a random extra between
-- two sends), whether it must be authorised again (a revoked Gmail grant),
-- and how far its inbox has been read (IMAP UIDVALIDITY and the last UID).
ALTER TABLE accounts ADD COLUMN send_window TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE accounts ADD COLUMN min_gap INTEGER NOT NULL DEFAULT 10;
ALTER TABLE accounts ADD COLUMN max_extra INTEGER NOT NULL DEFAULT 20;
ALTER TABLE accounts ADD COLUMN state TEXT NOT NULL DEFAULT 'ok'
    CHECK (state IN ('ok', 'reauth'));
ALTER TABLE accounts ADD COLUMN state_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN imap_uidvalidity INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN imap_last_uid INTEGER NOT NULL DEFAULT 0;
-- threading (a recipient's earlier messages) and reply matching by address
CREATE INDEX sends_recipient ON sends(recipient_id, step);
CREATE INDEX recipients_email ON recipients(email);
