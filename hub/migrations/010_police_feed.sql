-- Records the police must receive (filings, status changes, deadlines). The police forwarder reads
-- this table in seq order; the domain only appends.
CREATE TABLE police_feed (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    body_json TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX police_feed_entity ON police_feed(entity_id);
