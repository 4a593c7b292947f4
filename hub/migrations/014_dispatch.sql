-- Offers: one per (order, locksmith) ever; at most one open per order and per locksmith (enforced here).
CREATE TABLE offers (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    locksmith_n INTEGER NOT NULL,
    locksmith_id TEXT NOT NULL,
    kit_id TEXT NOT NULL,
    rank INTEGER NOT NULL,
    eta_s INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'accepted', 'refused', 'expired', 'withdrawn', 'rejected')),
    offered_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    closed_ms INTEGER,
    UNIQUE (order_id, locksmith_n)
);
CREATE UNIQUE INDEX offers_one_open_per_order ON offers(order_id) WHERE state = 'open';
CREATE UNIQUE INDEX offers_one_open_per_locksmith ON offers(locksmith_n) WHERE state = 'open';

CREATE TABLE hub_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
