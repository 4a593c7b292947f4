-- When the customer was last told where their locksmith is (hub/orders/tracking.py throttles it).
CREATE TABLE order_tracking (
    order_id TEXT PRIMARY KEY REFERENCES orders(id),
    sent_ms INTEGER NOT NULL
);
