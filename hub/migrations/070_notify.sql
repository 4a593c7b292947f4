-- Notifications (hub/notify): durable outgoing SMS with retries and the provider's answers; the sandbox
-- provider's delivered messages (the demo's "phones"); the hub's key for sealing service codes at rest.
CREATE TABLE notify_outbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL DEFAULT 'sms',
    to_mobile TEXT NOT NULL,
    template TEXT NOT NULL,              -- hub/notify/templates.py name
    params_json TEXT NOT NULL,           -- the template's plain parameters
    sealed_params BLOB,                  -- secret parameters (the service code), sealed to the hub's key
    purpose TEXT NOT NULL,               -- service_code | code_resend | followup | login_code | ...
    order_id TEXT,
    actor TEXT NOT NULL,                 -- who caused it (hub, operator:..., customer:...)
    started_ms INTEGER NOT NULL,         -- when the clock started for it (order formation for codes)
    created_ms INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_ms INTEGER NOT NULL,            -- earliest next attempt (backoff)
    claimed_ms INTEGER,                  -- a sender took it (a crash leaves it 'sending'; retried later)
    provider TEXT,
    handed_ms INTEGER,                   -- when the provider accepted it
    provider_ref TEXT,                   -- the provider's id for it (Aliyun BizId)
    answer TEXT NOT NULL DEFAULT '',     -- the provider's last answer (code and message), or the error
    late_alert_ms INTEGER                -- when the operators were told it was late (R-6: 30 s)
);
CREATE INDEX notify_outbox_due ON notify_outbox(state, next_ms);
CREATE INDEX notify_outbox_order ON notify_outbox(order_id);

CREATE TABLE notify_attempts (
    n INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES notify_outbox(id),
    provider TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    answer TEXT NOT NULL
);

-- What the sandbox provider "delivered": one row per message, the text as the phone shows it.
CREATE TABLE notify_sandbox_inbox (
    n INTEGER PRIMARY KEY,
    to_mobile TEXT NOT NULL,
    text TEXT NOT NULL,
    template TEXT NOT NULL,
    ref TEXT NOT NULL UNIQUE,
    at_ms INTEGER NOT NULL
);
CREATE INDEX notify_sandbox_to ON notify_sandbox_inbox(to_mobile, n);

-- The service code of each formed order, sealed to the hub's X25519 key, so the operator can have it
-- re-sent (order.resend_code) without anyone seeing it; the kit holds only its hash.
CREATE TABLE order_codes (
    order_id TEXT PRIMARY KEY REFERENCES orders(id),
    sealed BLOB NOT NULL,
    created_ms INTEGER NOT NULL
);

CREATE TABLE notify_keys (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
