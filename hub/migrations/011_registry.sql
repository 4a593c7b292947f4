-- R-1 units, R-2 locksmiths, their kits, fingerprints, scope, service area and status history.
CREATE TABLE operators (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'operator',
    active INTEGER NOT NULL DEFAULT 1,
    created_ms INTEGER NOT NULL
);

CREATE TABLE units (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    uscc TEXT NOT NULL UNIQUE,
    legal_rep_name TEXT NOT NULL,
    legal_rep_id TEXT NOT NULL,
    filing_receipt_no TEXT NOT NULL,
    filing_receipt_sha256 TEXT,
    status TEXT NOT NULL CHECK (status IN ('operating', 'suspended', 'closed', 'changed')),
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);

CREATE TABLE unit_status_history (
    seq INTEGER PRIMARY KEY,
    unit_id TEXT NOT NULL REFERENCES units(id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);

-- n is the integer key the R*Tree and the dispatch indexes use; id is the public identifier.
CREATE TABLE locksmiths (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    gender TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    ethnicity TEXT NOT NULL,
    resident_id TEXT NOT NULL UNIQUE,
    id_image_sha256 TEXT NOT NULL,
    cert_no TEXT NOT NULL,
    cert_image_sha256 TEXT NOT NULL,
    grade TEXT NOT NULL CHECK (grade IN ('junior', 'intermediate', 'senior', 'special')),
    grade_rank INTEGER NOT NULL,
    photo_sha256 TEXT NOT NULL,
    mobile TEXT NOT NULL,
    unit_id TEXT NOT NULL REFERENCES units(id),
    filing_receipt_no TEXT NOT NULL DEFAULT '',
    filing_receipt_sha256 TEXT,
    area_lat REAL NOT NULL,
    area_lon REAL NOT NULL,
    area_radius_km REAL NOT NULL,
    equipment_json TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL CHECK (status IN ('on_duty', 'left')),
    -- Denormalised so candidate search is one pass over the area index (kept by registry/presence code).
    unit_operating INTEGER NOT NULL DEFAULT 0,
    kit_online INTEGER NOT NULL DEFAULT 0,
    live_kit_id TEXT,
    pos_lat REAL,
    pos_lon REAL,
    pos_ms INTEGER,
    quality INTEGER NOT NULL DEFAULT 3000,
    rating_count INTEGER NOT NULL DEFAULT 0,
    rating_sum INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX locksmiths_unit ON locksmiths(unit_id);

CREATE VIRTUAL TABLE locksmith_area USING rtree(n, min_lat, max_lat, min_lon, max_lon);

CREATE TABLE locksmith_scope (
    locksmith_n INTEGER NOT NULL REFERENCES locksmiths(n),
    lock_class TEXT NOT NULL,
    action TEXT NOT NULL,
    PRIMARY KEY (locksmith_n, lock_class, action)
) WITHOUT ROWID;

CREATE TABLE locksmith_status_history (
    seq INTEGER PRIMARY KEY,
    locksmith_id TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);

CREATE TABLE locksmith_kits (
    seq INTEGER PRIMARY KEY,
    locksmith_id TEXT NOT NULL REFERENCES locksmiths(id),
    kit_id TEXT NOT NULL,
    linked_ms INTEGER NOT NULL,
    unlinked_ms INTEGER,
    actor TEXT NOT NULL
);
CREATE UNIQUE INDEX locksmith_kits_live ON locksmith_kits(kit_id) WHERE unlinked_ms IS NULL;
CREATE INDEX locksmith_kits_by_locksmith ON locksmith_kits(locksmith_id);

CREATE TABLE locksmith_fingerprints (
    locksmith_id TEXT NOT NULL REFERENCES locksmiths(id),
    finger TEXT NOT NULL,
    template_sha256 TEXT NOT NULL,
    kit_id TEXT NOT NULL,
    enrolled_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (locksmith_id, finger)
);

CREATE TABLE kit_presence (
    kit_id TEXT PRIMARY KEY,
    online INTEGER NOT NULL,
    lat REAL,
    lon REAL,
    pos_ms INTEGER,
    updated_ms INTEGER NOT NULL
);
