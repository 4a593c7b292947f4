-- A narrow copy of what candidate search (R-4) reads, kept exact by triggers so no code path can forget
-- it: one row per locksmith with readiness (on duty, filed, unit operating, kit online), freedom (no busy
-- order, no open offer), scope as a bitmask, position, area, quality and grade. Candidate search reads
-- 10,000 of these per request instead of 10,000 wide filing rows plus four sub-queries each.
ALTER TABLE locksmiths ADD COLUMN scope_bits INTEGER NOT NULL DEFAULT 0;

CREATE TABLE dispatch_pool (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    kit_id TEXT,
    ready INTEGER NOT NULL,
    busy INTEGER NOT NULL DEFAULT 0,
    offer_open INTEGER NOT NULL DEFAULT 0,
    scope_bits INTEGER NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    area_lat REAL NOT NULL,
    area_lon REAL NOT NULL,
    area_radius_km REAL NOT NULL,
    quality INTEGER NOT NULL,
    grade_rank INTEGER NOT NULL
);

-- Positions as points, for the nearest-first search of rule (1).
CREATE VIRTUAL TABLE pool_pos USING rtree(n, min_lat, max_lat, min_lon, max_lon);

CREATE TRIGGER pool_pos_insert AFTER INSERT ON dispatch_pool
BEGIN
    INSERT INTO pool_pos(n, min_lat, max_lat, min_lon, max_lon) VALUES (NEW.n, NEW.lat, NEW.lat, NEW.lon, NEW.lon);
END;

CREATE TRIGGER pool_pos_update AFTER UPDATE OF lat, lon ON dispatch_pool
    WHEN OLD.lat != NEW.lat OR OLD.lon != NEW.lon
BEGIN
    UPDATE pool_pos SET min_lat = NEW.lat, max_lat = NEW.lat, min_lon = NEW.lon, max_lon = NEW.lon WHERE n = NEW.n;
END;

-- bit = 5 * class index (A, B, B+, safe, car) + action index (open, repair, replace, break, remove)
CREATE TRIGGER scope_bits_insert AFTER INSERT ON locksmith_scope
BEGIN
    UPDATE locksmiths SET scope_bits = scope_bits | (1 << (
        CASE NEW.lock_class WHEN 'A' THEN 0 WHEN 'B' THEN 5 WHEN 'B+' THEN 10 WHEN 'safe' THEN 15 ELSE 20 END +
        CASE NEW.action WHEN 'open' THEN 0 WHEN 'repair' THEN 1 WHEN 'replace' THEN 2 WHEN 'break' THEN 3 ELSE 4 END))
    WHERE n = NEW.locksmith_n;
END;

CREATE TRIGGER scope_bits_delete AFTER DELETE ON locksmith_scope
BEGIN
    UPDATE locksmiths SET scope_bits = scope_bits & ~(1 << (
        CASE OLD.lock_class WHEN 'A' THEN 0 WHEN 'B' THEN 5 WHEN 'B+' THEN 10 WHEN 'safe' THEN 15 ELSE 20 END +
        CASE OLD.action WHEN 'open' THEN 0 WHEN 'repair' THEN 1 WHEN 'replace' THEN 2 WHEN 'break' THEN 3 ELSE 4 END))
    WHERE n = OLD.locksmith_n;
END;

CREATE TRIGGER pool_locksmith_insert AFTER INSERT ON locksmiths
BEGIN
    INSERT INTO dispatch_pool(n, id, kit_id, ready, scope_bits, lat, lon, area_lat, area_lon, area_radius_km,
                              quality, grade_rank)
    VALUES (NEW.n, NEW.id, NEW.live_kit_id,
            NEW.status = 'on_duty' AND NEW.filing_receipt_no != '' AND NEW.unit_operating = 1 AND NEW.kit_online = 1,
            NEW.scope_bits, coalesce(NEW.pos_lat, NEW.area_lat), coalesce(NEW.pos_lon, NEW.area_lon), NEW.area_lat,
            NEW.area_lon, NEW.area_radius_km, NEW.quality, NEW.grade_rank);
END;

CREATE TRIGGER pool_locksmith_update AFTER UPDATE ON locksmiths
BEGIN
    UPDATE dispatch_pool SET
        id = NEW.id, kit_id = NEW.live_kit_id,
        ready = NEW.status = 'on_duty' AND NEW.filing_receipt_no != '' AND NEW.unit_operating = 1
                AND NEW.kit_online = 1,
        scope_bits = NEW.scope_bits, lat = coalesce(NEW.pos_lat, NEW.area_lat),
        lon = coalesce(NEW.pos_lon, NEW.area_lon), area_lat = NEW.area_lat, area_lon = NEW.area_lon,
        area_radius_km = NEW.area_radius_km, quality = NEW.quality, grade_rank = NEW.grade_rank
    WHERE n = NEW.n;
END;

CREATE TRIGGER pool_offer_open AFTER INSERT ON offers WHEN NEW.state = 'open'
BEGIN
    UPDATE dispatch_pool SET offer_open = 1 WHERE n = NEW.locksmith_n;
END;

CREATE TRIGGER pool_offer_closed AFTER UPDATE OF state ON offers WHEN OLD.state = 'open' AND NEW.state != 'open'
BEGIN
    UPDATE dispatch_pool SET offer_open = 0 WHERE n = NEW.locksmith_n;
END;

CREATE TRIGGER pool_order_busy AFTER UPDATE OF locksmith_busy, locksmith_n ON orders
BEGIN
    UPDATE dispatch_pool SET busy = EXISTS (SELECT 1 FROM orders o WHERE o.locksmith_n = dispatch_pool.n
                                            AND o.locksmith_busy = 1)
    WHERE n IN (OLD.locksmith_n, NEW.locksmith_n);
END;

-- Backfill a hub that already has filings.
UPDATE locksmiths SET scope_bits = (SELECT coalesce(sum(1 << (
        CASE s.lock_class WHEN 'A' THEN 0 WHEN 'B' THEN 5 WHEN 'B+' THEN 10 WHEN 'safe' THEN 15 ELSE 20 END +
        CASE s.action WHEN 'open' THEN 0 WHEN 'repair' THEN 1 WHEN 'replace' THEN 2 WHEN 'break' THEN 3 ELSE 4 END)),
        0) FROM locksmith_scope s WHERE s.locksmith_n = locksmiths.n);
INSERT INTO dispatch_pool(n, id, kit_id, ready, busy, offer_open, scope_bits, lat, lon, area_lat, area_lon,
                          area_radius_km, quality, grade_rank)
SELECT l.n, l.id, l.live_kit_id,
       CASE WHEN l.status = 'on_duty' AND l.filing_receipt_no != '' AND l.unit_operating = 1 AND l.kit_online = 1
            THEN 1 ELSE 0 END,
       CASE WHEN EXISTS (SELECT 1 FROM orders o WHERE o.locksmith_n = l.n AND o.locksmith_busy = 1) THEN 1 ELSE 0 END,
       CASE WHEN EXISTS (SELECT 1 FROM offers f WHERE f.locksmith_n = l.n AND f.state = 'open') THEN 1 ELSE 0 END,
       l.scope_bits, coalesce(l.pos_lat, l.area_lat), coalesce(l.pos_lon, l.area_lon), l.area_lat, l.area_lon,
       l.area_radius_km, l.quality, l.grade_rank
FROM locksmiths l WHERE true
ON CONFLICT(n) DO NOTHING;
