-- Evidence bundles as the hub sees them: the kit's signed manifest and whether every part has arrived.
CREATE TABLE evidence_bundles (
    order_id TEXT PRIMARY KEY,
    kit_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    manifest TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    status TEXT NOT NULL,            -- complete | incomplete | mismatch | invalid
    detail TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    checked_ms INTEGER NOT NULL,
    forwarded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX evidence_bundles_open ON evidence_bundles(status) WHERE status != 'complete';
