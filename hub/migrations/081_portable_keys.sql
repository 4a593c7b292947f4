-- Keys that were SQLite's implicit rowid, made explicit so PostgreSQL has them too (hub/db/): an order's
-- short number for consoles (its rowid until now, so existing hubs keep their numbers), and the ingest
-- rate's index on arrival time (it used to bound its scan by envelope rowid).
ALTER TABLE orders ADD COLUMN number INTEGER;
-- (sqlite only)
UPDATE orders SET number = rowid;
CREATE UNIQUE INDEX orders_number ON orders(number);
CREATE INDEX envelopes_received ON envelopes(received_ms);
