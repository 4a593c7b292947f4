-- Police forwarding outbox: each police_feed row sealed once (so every resend is byte-identical) with its
-- position and hash in the police chain; acknowledged when the police export says it is durably written.
CREATE TABLE police_outbox (
    seq INTEGER PRIMARY KEY,            -- police chain seq, contiguous from 1
    feed_seq INTEGER NOT NULL UNIQUE,   -- police_feed.seq
    msg_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    wire BLOB NOT NULL,                 -- the signed police.record envelope
    hash TEXT NOT NULL,                 -- chain hash of this entry
    media_json TEXT NOT NULL,           -- [MediaRef] sent before the record
    created_ms INTEGER NOT NULL,
    sent_ms INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    acked_ms INTEGER
);
CREATE INDEX police_outbox_unacked ON police_outbox(seq) WHERE acked_ms IS NULL;

CREATE TABLE police_forward_state (k TEXT PRIMARY KEY, v TEXT NOT NULL);

CREATE TABLE police_media_acked (sha256 TEXT PRIMARY KEY, acked_ms INTEGER NOT NULL);
