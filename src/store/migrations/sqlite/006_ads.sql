-- The permanent ad history of Ad Spy, shared by all users (public data). An
-- ad's identity is (normalised query, engine, landing registrable domain,
-- case-folded title): the same creative seen again with other tracking
-- parameters is the same ad; a new headline from the same advertiser is a new ad.
CREATE TABLE ads (
    id                 INTEGER PRIMARY KEY,
    query_key          TEXT NOT NULL,
    engine             TEXT NOT NULL,
    domain             TEXT NOT NULL,
    title_key          TEXT NOT NULL,
    title              TEXT NOT NULL,
    url                TEXT NOT NULL,
    display_url        TEXT NOT NULL DEFAULT '',
    ad_text            TEXT NOT NULL DEFAULT '',
    position           INTEGER NOT NULL DEFAULT 0,
    first_seen         INTEGER NOT NULL,
    last_seen          INTEGER NOT NULL,
    contact_data       TEXT,             -- JSON, NULL until the landing page was crawled
    contact_checked_at INTEGER NOT NULL DEFAULT 0,
    UNIQUE (query_key, engine, domain, title_key)
);
CREATE INDEX ads_by_query ON ads(query_key, engine, last_seen);
