"""The hub operator's Textual console (`lockwarden console --config operator.toml`).

A thin UI over `lockwarden.clients.operator.OpsClient`: every screen is an ops request over MQTT, and the
live `lw/v1/ops/events` stream drives refreshes. Only this package imports textual."""
