-- Job state (job.db), version 1: the schema every kit shipped before versioning. Frozen: a change is a new
-- file NNN_what.sql (edge/store/schema_version.py applies it once; tests/store/test_schema_versions.py).
CREATE TABLE IF NOT EXISTS jobs (
    order_id TEXT PRIMARY KEY,
    locksmith_id TEXT NOT NULL,
    order_json TEXT NOT NULL,      -- the order as the hub sent it (no service code in clear: only its hash)
    step TEXT NOT NULL,
    info TEXT NOT NULL DEFAULT '{}', -- step results the form needs (times, distance, fee, file ids)
    code_attempts INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS steps (
    order_id TEXT NOT NULL,
    step TEXT NOT NULL,
    record_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (order_id, step, record_id)
);
CREATE TABLE IF NOT EXISTS session (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    locksmith_id TEXT NOT NULL,
    method TEXT NOT NULL,          -- fingerprint | pin
    since_ms INTEGER NOT NULL,
    record_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
