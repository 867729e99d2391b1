-- Addresses seen on public pages (crawl.php, search.php and Ad Spy answers;
-- never a user's leads), one row per address and page, kept after the cached
-- answer expires: domain.php's sources and first_seen, the finder's evidence.
CREATE TABLE email_sightings (
    email      TEXT NOT NULL,
    source     TEXT NOT NULL,
    domain     TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (email, source)
);
CREATE INDEX email_sightings_domain ON email_sightings(domain, email);
