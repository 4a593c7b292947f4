-- Quarantine keeps a bounded prefix of each refused message (protocol/limits.py QUARANTINE_RAW_PREFIX);
-- raw_size is how long the message really was (NULL for entries kept whole before this migration).
ALTER TABLE quarantine ADD COLUMN raw_size INTEGER;
