-- Who opened a masked resident ID number at a console, when, which one and why (hub/ops/idopen.py).
-- Append-only: the operator sees the last 4 characters unless they open the number, and each opening is here.
CREATE TABLE id_openings (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    actor TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    subject TEXT NOT NULL,   -- customer_warning | document
    ref TEXT NOT NULL,       -- the warning's masked number, or the document submission id
    reason TEXT NOT NULL
);
CREATE INDEX id_openings_actor ON id_openings(actor, at_ms);
