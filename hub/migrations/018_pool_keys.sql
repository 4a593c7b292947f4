-- Service-area boxes with the rule keys (quality, grade) as extra R*Tree dimensions, so rules (2) and (3)
-- read only the best band of candidates whose area covers the site instead of all of them. Kept by
-- triggers from dispatch_pool; the box matches hub/registry/geo.py bbox().
CREATE VIRTUAL TABLE pool_area_keys USING rtree(n, min_lat, max_lat, min_lon, max_lon, min_q, max_q, min_g, max_g);

CREATE TRIGGER pool_keys_insert AFTER INSERT ON dispatch_pool
BEGIN
    INSERT INTO pool_area_keys(n, min_lat, max_lat, min_lon, max_lon, min_q, max_q, min_g, max_g)
    SELECT NEW.n, NEW.area_lat - b.dlat, NEW.area_lat + b.dlat, NEW.area_lon - b.dlon, NEW.area_lon + b.dlon,
           NEW.quality, NEW.quality, NEW.grade_rank, NEW.grade_rank
    FROM (SELECT d.dlat, min(180.0, d.dlat / max(cos(radians(min(89.0, abs(NEW.area_lat) + d.dlat))), 0.000001))
                 AS dlon
          FROM (SELECT degrees(NEW.area_radius_km / 6371.0088) * 1.001 AS dlat) d) b;
END;

CREATE TRIGGER pool_keys_update AFTER UPDATE OF area_lat, area_lon, area_radius_km, quality, grade_rank
    ON dispatch_pool
BEGIN
    DELETE FROM pool_area_keys WHERE n = NEW.n;
    INSERT INTO pool_area_keys(n, min_lat, max_lat, min_lon, max_lon, min_q, max_q, min_g, max_g)
    SELECT NEW.n, NEW.area_lat - b.dlat, NEW.area_lat + b.dlat, NEW.area_lon - b.dlon, NEW.area_lon + b.dlon,
           NEW.quality, NEW.quality, NEW.grade_rank, NEW.grade_rank
    FROM (SELECT d.dlat, min(180.0, d.dlat / max(cos(radians(min(89.0, abs(NEW.area_lat) + d.dlat))), 0.000001))
                 AS dlon
          FROM (SELECT degrees(NEW.area_radius_km / 6371.0088) * 1.001 AS dlat) d) b;
END;

-- (sqlite only) A PostgreSQL hub starts on this schema: it has no pool to backfill.
INSERT INTO pool_area_keys(n, min_lat, max_lat, min_lon, max_lon, min_q, max_q, min_g, max_g)
SELECT p.n, p.area_lat - b.dlat, p.area_lat + b.dlat, p.area_lon - b.dlon, p.area_lon + b.dlon,
       p.quality, p.quality, p.grade_rank, p.grade_rank
FROM dispatch_pool p JOIN (
    SELECT d.n, d.dlat, min(180.0, d.dlat / max(cos(radians(min(89.0, abs(d.area_lat) + d.dlat))), 0.000001)) AS dlon
    FROM (SELECT n, area_lat, degrees(area_radius_km / 6371.0088) * 1.001 AS dlat FROM dispatch_pool) d) b
ON b.n = p.n;
