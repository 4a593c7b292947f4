-- The hub's own counters (its envelope sequence-number reservation lives here).
CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
