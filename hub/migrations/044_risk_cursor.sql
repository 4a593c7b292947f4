-- How far the risk sweep has read police_feed (it re-scores the subjects of every new record).
CREATE TABLE risk_cursor (name TEXT PRIMARY KEY, feed_seq INTEGER NOT NULL);
