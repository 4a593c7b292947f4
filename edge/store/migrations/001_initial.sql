-- Kit store schema, version 1: the schema every kit shipped before versioning (user_version 0 with these
-- tables is taken as version 1). Frozen: a change is a new file NNN_what.sql, applied once by
-- edge/store/schema_version.py and tested from every earlier version (tests/store/test_schema_versions.py).
-- Records keep their signed wire form until the hub acknowledges them; the index
-- rows (id, kind, order, hash) stay so the job's evidence bundle can list them after sync.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    order_id TEXT,
    sha256 TEXT NOT NULL,
    captured_ms INTEGER NOT NULL,
    topic TEXT NOT NULL,
    wire BLOB,                       -- NULL once the hub has acknowledged it
    state TEXT NOT NULL DEFAULT 'pending',  -- pending | stored | refused
    acked_ms INTEGER,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS records_pending ON records(state, seq);
CREATE INDEX IF NOT EXISTS records_order ON records(order_id);
CREATE TABLE IF NOT EXISTS files (
    file_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,            -- capture order; files sync in this order
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    order_id TEXT,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,            -- of the stored bytes (the sealed blob when sealed)
    plain_sha256 TEXT NOT NULL,      -- of the captured content, for the evidence manifest
    chunk_size INTEGER NOT NULL,
    chunks INTEGER NOT NULL,
    sealed INTEGER NOT NULL,
    captured_ms INTEGER NOT NULL,
    meta TEXT NOT NULL,
    path TEXT,                       -- NULL once the hub has it and the bytes were deleted
    have TEXT NOT NULL DEFAULT '[]', -- chunk ranges the hub has acknowledged, [[first,last],...]
    state TEXT NOT NULL DEFAULT 'pending',  -- pending | stored | refused
    acked_ms INTEGER,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS files_pending ON files(state, seq);
CREATE INDEX IF NOT EXISTS files_order ON files(order_id);
CREATE TABLE IF NOT EXISTS downlink (
    id TEXT PRIMARY KEY,             -- hub message id: downlink is processed once
    type TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refused_downlink (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    received_ms INTEGER NOT NULL,
    topic TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    raw BLOB NOT NULL
);
