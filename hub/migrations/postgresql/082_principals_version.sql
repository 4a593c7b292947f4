-- PostgreSQL only: what SQLite's `PRAGMA data_version` tells the principals cache (hub/ingest/principals.py):
-- a number that moves whenever provisioning or revocation (another process) changed a key. It is a row
-- changed in the same transaction as the keys, so a reader sees the new number only with the new keys.
CREATE TABLE principals_version (one INTEGER PRIMARY KEY CHECK (one = 1), n BIGINT NOT NULL);
INSERT INTO principals_version(one, n) VALUES (1, 0);

CREATE FUNCTION principals_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE principals_version SET n = n + 1 WHERE one = 1;
    RETURN NULL;
END $$;

CREATE TRIGGER principals_changed AFTER INSERT OR UPDATE OR DELETE ON principals
    FOR EACH STATEMENT EXECUTE FUNCTION principals_changed();
