-- PostgreSQL form of 017_dispatch_pool.sql's triggers: dispatch_pool (and its point boxes, pool_pos) kept
-- exact from locksmiths, their scope, offers and orders. Same rules, written as trigger functions.
CREATE FUNCTION scope_bit(lock_class TEXT, action TEXT) RETURNS BIGINT LANGUAGE sql IMMUTABLE AS $$
    SELECT 1::BIGINT << (
        CASE lock_class WHEN 'A' THEN 0 WHEN 'B' THEN 5 WHEN 'B+' THEN 10 WHEN 'safe' THEN 15 ELSE 20 END +
        CASE action WHEN 'open' THEN 0 WHEN 'repair' THEN 1 WHEN 'replace' THEN 2 WHEN 'break' THEN 3 ELSE 4 END)
$$;

CREATE FUNCTION pool_pos_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pool_pos(n, min_lat, max_lat, min_lon, max_lon) VALUES (NEW.n, NEW.lat, NEW.lat, NEW.lon, NEW.lon);
    RETURN NULL;
END $$;
CREATE TRIGGER pool_pos_insert AFTER INSERT ON dispatch_pool FOR EACH ROW EXECUTE FUNCTION pool_pos_insert();

CREATE FUNCTION pool_pos_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE pool_pos SET min_lat = NEW.lat, max_lat = NEW.lat, min_lon = NEW.lon, max_lon = NEW.lon WHERE n = NEW.n;
    RETURN NULL;
END $$;
CREATE TRIGGER pool_pos_update AFTER UPDATE OF lat, lon ON dispatch_pool
    FOR EACH ROW WHEN (OLD.lat != NEW.lat OR OLD.lon != NEW.lon) EXECUTE FUNCTION pool_pos_update();

CREATE FUNCTION scope_bits_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE locksmiths SET scope_bits = scope_bits | scope_bit(NEW.lock_class, NEW.action) WHERE n = NEW.locksmith_n;
    RETURN NULL;
END $$;
CREATE TRIGGER scope_bits_insert AFTER INSERT ON locksmith_scope FOR EACH ROW EXECUTE FUNCTION scope_bits_insert();

CREATE FUNCTION scope_bits_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE locksmiths SET scope_bits = scope_bits & ~scope_bit(OLD.lock_class, OLD.action) WHERE n = OLD.locksmith_n;
    RETURN NULL;
END $$;
CREATE TRIGGER scope_bits_delete AFTER DELETE ON locksmith_scope FOR EACH ROW EXECUTE FUNCTION scope_bits_delete();

CREATE FUNCTION pool_locksmith_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dispatch_pool(n, id, kit_id, ready, scope_bits, lat, lon, area_lat, area_lon, area_radius_km,
                              quality, grade_rank)
    VALUES (NEW.n, NEW.id, NEW.live_kit_id,
            CASE WHEN NEW.status = 'on_duty' AND NEW.filing_receipt_no != '' AND NEW.unit_operating = 1
                      AND NEW.kit_online = 1 THEN 1 ELSE 0 END,
            NEW.scope_bits, coalesce(NEW.pos_lat, NEW.area_lat), coalesce(NEW.pos_lon, NEW.area_lon), NEW.area_lat,
            NEW.area_lon, NEW.area_radius_km, NEW.quality, NEW.grade_rank);
    RETURN NULL;
END $$;
CREATE TRIGGER pool_locksmith_insert AFTER INSERT ON locksmiths FOR EACH ROW EXECUTE FUNCTION pool_locksmith_insert();

CREATE FUNCTION pool_locksmith_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dispatch_pool SET
        id = NEW.id, kit_id = NEW.live_kit_id,
        ready = CASE WHEN NEW.status = 'on_duty' AND NEW.filing_receipt_no != '' AND NEW.unit_operating = 1
                          AND NEW.kit_online = 1 THEN 1 ELSE 0 END,
        scope_bits = NEW.scope_bits, lat = coalesce(NEW.pos_lat, NEW.area_lat),
        lon = coalesce(NEW.pos_lon, NEW.area_lon), area_lat = NEW.area_lat, area_lon = NEW.area_lon,
        area_radius_km = NEW.area_radius_km, quality = NEW.quality, grade_rank = NEW.grade_rank
    WHERE n = NEW.n;
    RETURN NULL;
END $$;
CREATE TRIGGER pool_locksmith_update AFTER UPDATE ON locksmiths FOR EACH ROW EXECUTE FUNCTION pool_locksmith_update();

CREATE FUNCTION pool_offer_open() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dispatch_pool SET offer_open = 1 WHERE n = NEW.locksmith_n;
    RETURN NULL;
END $$;
CREATE TRIGGER pool_offer_open AFTER INSERT ON offers FOR EACH ROW WHEN (NEW.state = 'open')
    EXECUTE FUNCTION pool_offer_open();

CREATE FUNCTION pool_offer_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dispatch_pool SET offer_open = 0 WHERE n = NEW.locksmith_n;
    RETURN NULL;
END $$;
CREATE TRIGGER pool_offer_closed AFTER UPDATE OF state ON offers
    FOR EACH ROW WHEN (OLD.state = 'open' AND NEW.state != 'open') EXECUTE FUNCTION pool_offer_closed();

CREATE FUNCTION pool_order_busy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dispatch_pool SET busy = CASE WHEN EXISTS (SELECT 1 FROM orders o WHERE o.locksmith_n = dispatch_pool.n
                                                      AND o.locksmith_busy = 1) THEN 1 ELSE 0 END
    WHERE n IN (OLD.locksmith_n, NEW.locksmith_n);
    RETURN NULL;
END $$;
CREATE TRIGGER pool_order_busy AFTER UPDATE OF locksmith_busy, locksmith_n ON orders
    FOR EACH ROW EXECUTE FUNCTION pool_order_busy();
