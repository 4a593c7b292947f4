-- The police's decisions on money frozen pending the police (hub/orders/police_decision.py): one row per
-- decision id, so a retried decision is answered from here and never moves money twice.
CREATE TABLE police_decisions (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL UNIQUE REFERENCES orders(id),
    msg_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    case_ref TEXT NOT NULL,
    reason TEXT NOT NULL,
    from_state TEXT NOT NULL,
    outcomes_json TEXT NOT NULL,
    result_json TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
