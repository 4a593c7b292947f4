-- R-12: the latest risk warning per subject (customer by resident ID number, locksmith by id). A new
-- warning is forwarded to the police only when the level or the set of reasons changes.
CREATE TABLE risk_warnings (
    subject TEXT NOT NULL CHECK (subject IN ('customer', 'locksmith')),
    subject_id TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('red', 'yellow', 'blue', 'none')),
    score REAL NOT NULL,
    reasons_json TEXT NOT NULL,
    signature TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (subject, subject_id)
);
CREATE INDEX risk_warnings_level ON risk_warnings(level, score);
