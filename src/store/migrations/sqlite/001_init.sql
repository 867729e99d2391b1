-- Foundation schema: users, hashed API keys, the credit ledger, the shared
-- response cache, projects, leads, and the campaign rows projects list.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE,
    credits    INTEGER NOT NULL DEFAULT 0 CHECK (credits >= 0),
    created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
    key_hash   TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    source     INTEGER NOT NULL DEFAULT 0,
    checked_at INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX api_keys_user ON api_keys(user_id);

-- One row per grant or billable request. While state = 'reserved', `reserved`
-- credits are held; settling sets amount = -charged and refunds the rest.
CREATE TABLE credit_ledger (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    endpoint   TEXT NOT NULL,
    amount     INTEGER NOT NULL,
    reserved   INTEGER NOT NULL DEFAULT 0,
    state      TEXT NOT NULL CHECK (state IN ('grant', 'reserved', 'charged', 'released')),
    request_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX credit_ledger_user ON credit_ledger(user_id, created_at);
CREATE INDEX credit_ledger_open ON credit_ledger(state) WHERE state = 'reserved';

CREATE TABLE cache (
    key        TEXT PRIMARY KEY,
    endpoint   TEXT NOT NULL,
    body       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX cache_expires ON cache(expires_at);

CREATE TABLE projects (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    type        TEXT NOT NULL DEFAULT '',
    leads_count INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    UNIQUE (user_id, name)
);

CREATE TABLE leads (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    email       TEXT NOT NULL,
    email_key   TEXT NOT NULL,
    firstname   TEXT NOT NULL DEFAULT '',
    lastname    TEXT NOT NULL DEFAULT '',
    company     TEXT NOT NULL DEFAULT '',
    website     TEXT NOT NULL DEFAULT '',
    phones      TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    verified    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    UNIQUE (project_id, email_key)
);

CREATE TABLE campaigns (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'draft',
    created_at INTEGER NOT NULL
);
CREATE INDEX campaigns_user ON campaigns(user_id, project_id);
