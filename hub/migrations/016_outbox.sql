-- Messages the domain wants sent (to kits, customers, operators); the transport sends and marks them.
CREATE TABLE domain_outbox (
    seq INTEGER PRIMARY KEY,
    audience TEXT NOT NULL CHECK (audience IN ('kit', 'customer', 'operator')),
    recipient TEXT NOT NULL,
    type TEXT NOT NULL,
    body_json TEXT NOT NULL,
    secret INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL,
    sent_ms INTEGER
);
CREATE INDEX domain_outbox_unsent ON domain_outbox(seq) WHERE sent_ms IS NULL;

-- Operator requests already answered, so a retried transaction id returns the same response.
CREATE TABLE ops_requests (
    txn TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    op TEXT NOT NULL,
    response_json TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
