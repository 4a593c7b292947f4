-- Durable timers: the scheduler fires pending rows whose due time passed, also after a restart.
CREATE TABLE timers (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    due_ms INTEGER NOT NULL,
    payload_json TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'fired', 'cancelled', 'failed')),
    created_ms INTEGER NOT NULL,
    fired_ms INTEGER,
    error TEXT
);
CREATE INDEX timers_pending_due ON timers(due_ms) WHERE state = 'pending';
