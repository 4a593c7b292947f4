-- Principals whose signatures the hub accepts, and everything the kits send.
CREATE TABLE principals (
    id TEXT PRIMARY KEY,             -- kit id, operator id, customer app id, `police`
    role TEXT NOT NULL,              -- kit | operator | customer | police
    public_key TEXT NOT NULL,        -- Ed25519, base64 raw
    status TEXT NOT NULL DEFAULT 'active',
    created_ms INTEGER NOT NULL
);

-- Every accepted envelope: replay protection (sender, seq) and idempotency (id).
CREATE TABLE envelopes (
    id TEXT PRIMARY KEY,
    sender TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    sig TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    UNIQUE (sender, seq)
);

-- Records and other small messages, with their signed wire form kept as evidence.
CREATE TABLE kit_records (
    id TEXT PRIMARY KEY REFERENCES envelopes(id),
    sender TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    kind TEXT NOT NULL,
    order_id TEXT,
    captured_ms INTEGER,
    received_ms INTEGER NOT NULL,
    body TEXT NOT NULL,
    wire BLOB NOT NULL,
    wire_sha256 TEXT NOT NULL
);
CREATE INDEX kit_records_sender ON kit_records(sender, seq);
CREATE INDEX kit_records_order ON kit_records(order_id);

CREATE TABLE media_files (
    file_id TEXT PRIMARY KEY,
    sender TEXT NOT NULL,
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    order_id TEXT,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    chunk_size INTEGER NOT NULL,
    chunks INTEGER NOT NULL,
    sealed INTEGER NOT NULL,
    captured_ms INTEGER NOT NULL,
    meta TEXT NOT NULL,
    begin_id TEXT NOT NULL,
    status TEXT NOT NULL,            -- partial | complete | rejected
    detail TEXT NOT NULL DEFAULT '',
    received_ms INTEGER NOT NULL,
    completed_ms INTEGER
);
CREATE INDEX media_files_order ON media_files(order_id);
CREATE INDEX media_files_sha ON media_files(sha256);

CREATE TABLE media_chunks (
    file_id TEXT NOT NULL REFERENCES media_files(file_id),
    idx INTEGER NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (file_id, idx)
);

-- Everything refused, kept for inspection with the reason (`lockwarden hub quarantine`).
CREATE TABLE quarantine (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    received_ms INTEGER NOT NULL,
    topic TEXT NOT NULL,
    sender TEXT,
    msg_id TEXT,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    raw BLOB NOT NULL
);

CREATE TABLE ingest_stats (name TEXT PRIMARY KEY, value INTEGER NOT NULL);

CREATE TABLE kit_link_state (
    kit_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    since_ms INTEGER NOT NULL,
    backlog_records INTEGER NOT NULL DEFAULT 0,
    backlog_files INTEGER NOT NULL DEFAULT 0,
    updated_ms INTEGER NOT NULL
);
