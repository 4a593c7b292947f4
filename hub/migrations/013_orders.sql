-- Orders, their append-only transition log (idempotent by event id) and on-site verification records.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    state TEXT NOT NULL,
    state_reason TEXT NOT NULL DEFAULT '',
    rule TEXT NOT NULL,
    lock_class TEXT NOT NULL,
    category TEXT NOT NULL,
    site_address TEXT NOT NULL,
    site_lat REAL NOT NULL,
    site_lon REAL NOT NULL,
    appointment_ms INTEGER,
    request_json TEXT NOT NULL,
    locksmith_id TEXT,
    locksmith_n INTEGER,
    kit_id TEXT,
    locksmith_busy INTEGER NOT NULL DEFAULT 0,
    prepayment_fen INTEGER NOT NULL,
    deposit_fen INTEGER NOT NULL,
    fee_fen INTEGER,
    code_hash TEXT,
    code_delivered_ms INTEGER,
    formed_ms INTEGER,
    completed_ms INTEGER,
    documents_overdue INTEGER NOT NULL DEFAULT 0,
    code_failures INTEGER NOT NULL DEFAULT 0,
    rating INTEGER,
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX orders_state ON orders(state);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX orders_busy_locksmith ON orders(locksmith_n) WHERE locksmith_busy = 1;

CREATE TABLE order_transitions (
    seq INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    event_id TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX order_transitions_order ON order_transitions(order_id, seq);

CREATE TABLE job_verifications (
    order_id TEXT PRIMARY KEY REFERENCES orders(id),
    kit_id TEXT NOT NULL,
    locksmith_finger TEXT NOT NULL,
    locksmith_template_sha256 TEXT NOT NULL,
    customer_photo_sha256 TEXT NOT NULL,
    customer_id_photo_sha256 TEXT NOT NULL,
    customer_fp_sha256 TEXT NOT NULL,
    verified_ms INTEGER NOT NULL
);

-- Kit job records (kit.record kinds job.*) that make up the R-8 verification, kept per order.
CREATE TABLE job_evidence (
    order_id TEXT NOT NULL REFERENCES orders(id),
    kind TEXT NOT NULL,
    kit_id TEXT NOT NULL,
    data_json TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (order_id, kind)
);
