-- PostgreSQL form of 018_pool_keys.sql's triggers: pool_area_keys (service-area box with quality and grade)
-- kept from dispatch_pool; the box matches hub/registry/geo.py bbox().
CREATE FUNCTION pool_keys_put() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    dlat DOUBLE PRECISION := degrees(NEW.area_radius_km / 6371.0088) * 1.001;
    dlon DOUBLE PRECISION := LEAST(180.0, dlat / GREATEST(cos(radians(LEAST(89.0, abs(NEW.area_lat) + dlat))),
                                                          0.000001));
BEGIN
    DELETE FROM pool_area_keys WHERE n = NEW.n;
    INSERT INTO pool_area_keys(n, min_lat, max_lat, min_lon, max_lon, min_q, max_q, min_g, max_g)
    VALUES (NEW.n, NEW.area_lat - dlat, NEW.area_lat + dlat, NEW.area_lon - dlon, NEW.area_lon + dlon,
            NEW.quality, NEW.quality, NEW.grade_rank, NEW.grade_rank);
    RETURN NULL;
END $$;
CREATE TRIGGER pool_keys_insert AFTER INSERT ON dispatch_pool FOR EACH ROW EXECUTE FUNCTION pool_keys_put();
CREATE TRIGGER pool_keys_update AFTER UPDATE OF area_lat, area_lon, area_radius_km, quality, grade_rank
    ON dispatch_pool FOR EACH ROW EXECUTE FUNCTION pool_keys_put();
