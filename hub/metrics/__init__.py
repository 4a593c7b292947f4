"""The hub's operating figures: one collection (`figures.collect`) read by the Prometheus endpoint
(`hub.metrics.http`) and by `lockwarden hub status --json`, so both always say the same thing."""
