-- The arrival deadline of each set-out (hub/orders/arrival.py): the offer's estimate plus a grace period.
CREATE TABLE order_arrival (
    order_id TEXT NOT NULL REFERENCES orders(id),
    locksmith_id TEXT NOT NULL,
    set_out_ms INTEGER NOT NULL,
    due_ms INTEGER NOT NULL,
    missed_ms INTEGER,                 -- the deadline passed before the locksmith arrived
    PRIMARY KEY (order_id, locksmith_id)
);
