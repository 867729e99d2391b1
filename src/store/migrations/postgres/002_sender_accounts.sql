-- What the sender keeps per sending account: when it may send (a window of
-- days and hours in its time zone, a minimum gap plus a random extra between
-- two sends), whether it must be authorised again (a revoked Gmail grant),
-- and how far its inbox has been read (IMAP UIDVALIDITY and the last UID).
ALTER TABLE accounts
    ADD COLUMN send_window TEXT NOT NULL DEFAULT '',
    ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC',
    ADD COLUMN min_gap BIGINT NOT NULL DEFAULT 10,
    ADD COLUMN max_extra BIGINT NOT NULL DEFAULT 20,
    ADD COLUMN state TEXT NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'reauth')),
    ADD COLUMN state_reason TEXT NOT NULL DEFAULT '',
    ADD COLUMN imap_uidvalidity BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN imap_last_uid BIGINT NOT NULL DEFAULT 0;
-- threading (a recipient's earlier messages) and reply matching by address
CREATE INDEX sends_recipient ON sends(recipient_id, step);
CREATE INDEX recipients_email ON recipients(email);
