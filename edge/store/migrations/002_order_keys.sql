-- Kit store schema, version 2: one data key per order for the customer's personal data at rest
-- (edge/store/personal.py). `wrapped` is the key encrypted with the kit's key-encryption key; NULL once
-- shredded (the row stays so `kit status` and the purge know the order was there and is gone).
CREATE TABLE IF NOT EXISTS order_keys (
    order_id TEXT PRIMARY KEY,
    wrapped TEXT,
    created_ms INTEGER NOT NULL,
    shredded_ms INTEGER
);
