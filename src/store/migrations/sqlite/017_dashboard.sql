-- The web dashboard: a password per user (Argon2id, crypto_pwhash_str) and
-- sign-in sessions, kept as the hash of their token so any process can check them.
ALTER TABLE users ADD COLUMN password_hash TEXT;

CREATE TABLE web_sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    csrf        TEXT NOT NULL,
    oauth_state TEXT,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);
