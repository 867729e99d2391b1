-- Automation: each user's webhook signing secret, async jobs (a stored
-- request run once on the job pool, its answer kept), campaign webhook
-- subscriptions and the outbox of webhook deliveries still to make.
CREATE TABLE webhook_secrets (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id),
    secret     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE async_jobs (
    id          TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    endpoint    TEXT NOT NULL,
    file        TEXT NOT NULL,
    method      INTEGER NOT NULL,
    args        TEXT NOT NULL,
    webhook_url TEXT,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    runner      TEXT,
    created_at  INTEGER NOT NULL,
    started_at  INTEGER NOT NULL DEFAULT 0,
    finished_at INTEGER NOT NULL DEFAULT 0,
    result      TEXT
);
CREATE INDEX async_jobs_user ON async_jobs(user_id, created_at);
CREATE INDEX async_jobs_open ON async_jobs(status, created_at) WHERE status IN ('queued', 'running');

CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhooks_user ON webhooks(user_id);

CREATE TABLE webhook_outbox (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    url        TEXT NOT NULL,
    event      TEXT NOT NULL,
    body       TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    last_error TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(next_at) WHERE state = 'pending';
