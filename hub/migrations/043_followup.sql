-- R-13 follow-up tasks: one per completed order, due 24 h after completion, flagged overdue at 48 h.
CREATE TABLE followups (
    order_id TEXT PRIMARY KEY,
    locksmith_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    completed_ms INTEGER NOT NULL,
    due_ms INTEGER NOT NULL,
    overdue_ms INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('due', 'done')),
    channel TEXT,                      -- sms | app | wechat | voice
    outcome TEXT,                      -- reached | no_answer | refused | complaint
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
    note TEXT NOT NULL DEFAULT '',
    operator TEXT,
    recorded_ms INTEGER,
    overdue_flagged_ms INTEGER
);
CREATE INDEX followups_open ON followups(status, due_ms);
CREATE INDEX followups_locksmith ON followups(locksmith_id);

CREATE TABLE followup_contacts (
    n INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES followups(order_id),
    channel TEXT NOT NULL,
    gateway_ref TEXT NOT NULL,
    operator TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
