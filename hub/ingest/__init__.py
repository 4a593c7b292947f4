"""Hub ingest: verify, deduplicate, store durably, then acknowledge (MQTT and application level)."""
