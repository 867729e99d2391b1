-- Case-insensitive project search beyond ASCII: the name lower-cased with
-- Unicode's case mapping (computed in C; SQLite's lower() knows only ASCII).
ALTER TABLE projects ADD COLUMN name_fold TEXT NOT NULL DEFAULT '';
UPDATE projects SET name_fold = lower(name);
