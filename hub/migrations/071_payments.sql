-- Customer payments the provider confirms (hub/payments): the hub creates a payment (an intent) with the
-- provider; only a verified, signed notification of exactly that amount for that order marks it paid.
CREATE TABLE payment_intents (
    trade_no TEXT PRIMARY KEY,           -- our out_trade_no, sent to the provider
    order_id TEXT NOT NULL REFERENCES orders(id),
    customer_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    state TEXT NOT NULL CHECK (state IN ('created', 'paid', 'late')),
    pay_url TEXT NOT NULL DEFAULT '',
    provider_txn TEXT,                   -- the provider's transaction id, once paid
    created_ms INTEGER NOT NULL,
    paid_ms INTEGER
);
CREATE INDEX payment_intents_order ON payment_intents(order_id);

-- Every notification that reached the webhook, accepted or refused, kept (bounded) for inspection.
CREATE TABLE payment_notifications (
    n INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    nonce TEXT NOT NULL DEFAULT '',
    verdict TEXT NOT NULL CHECK (verdict IN ('applied', 'duplicate', 'refused')),
    reason TEXT NOT NULL DEFAULT '',
    trade_no TEXT,
    headers_json TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE UNIQUE INDEX payment_notifications_nonce ON payment_notifications(provider, nonce) WHERE verdict = 'applied';
