"""Notifications: messages the hub sends to people outside MQTT (SMS first).

The domain queues a message (`hub.notify.store.queue`) in the same transaction as the change that caused it;
a sender thread (`hub.notify.sender`) hands each to the gateway chosen in `hub.toml` (`[notify]`), retries
with backoff, and records when the provider took it and what it answered. Secret parameters (the one-time
service code) are sealed to the hub's key at rest and opened only by the sender at hand-off.
"""
