-- Quarantine keeps a bounded prefix of each refused message (protocol/limits.py QUARANTINE_RAW_PREFIX);
-- raw_size is how long the message really was (NULL for entries kept whole before this migration).
ALTER TABLE quarantine ADD COLUMN raw_size INTEGER;

-- Unfinished uploads, per sender: counted at every announce (protocol/limits.py MAX_OPEN_UPLOADS) and swept
-- for stale ones once a minute; a partial index keeps both from scanning every file ever received.
CREATE INDEX media_files_partial ON media_files(sender) WHERE status = 'partial';
