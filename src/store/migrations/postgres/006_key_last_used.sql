-- When each API key was last used (recorded at most once a minute per key
-- and process), for leadgen key list.
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
