-- PostgreSQL only: the few SQLite functions store code calls, so its SQL stays one dialect.
-- json_extract/json_set with a '$.key' (or '$.a.b') path over JSON kept as text; json_extract returns text,
-- which the callers compare as text or CAST.
CREATE FUNCTION json_extract(doc TEXT, path TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT doc::jsonb #>> string_to_array(substr(path, 3), '.') $$;

CREATE FUNCTION json_set(doc TEXT, path TEXT, value TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT jsonb_set(doc::jsonb, string_to_array(substr(path, 3), '.'), to_jsonb(value))::text $$;
