-- Who is logged in on each kit, from the kit's own signed `session.login` / `session.logout` records
-- (edge/job/session.py). Dispatch offers a job only to a locksmith logged in on their live kit
-- (hub/dispatch/candidates.py, login first).
CREATE TABLE kit_sessions (
    kit_id TEXT PRIMARY KEY,
    locksmith_id TEXT,
    logged_in INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,        -- captured on the kit; a newer record wins, a late older one is ignored
    record_id TEXT NOT NULL
);
