"""The hub's settings file (`hub.toml` in the hub directory)."""

from __future__ import annotations

import msgspec

from hub.notify.settings import NotifySettings
from hub.payments.settings import PaymentsSettings


class BrokerSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Where the hub meets the kits.

    host: the broker's public name, written into kits' and principals' settings (and the TLS certificate).
    port: the plain listener, bound to `local_host` only. local_host: the address the hub itself (and tools
    on the broker's host) dial, separate from the public name so `hub init --broker-host NAME` still lets
    the hub reach its own broker. username/password: the hub's broker account (`hub` in the ACL).
    tls_ca: CA file when the hub dials a TLS listener; None on the loopback listener.
    tls_port: the field listener (TLS with client certificates) that kits use; None: kits use `port`.
    run_as: the account Mosquitto runs as (rendered as its `user`). persistence_dir: Mosquitto's persistence
    folder; None: the broker folder in the hub directory (the shipped unit's StateDirectory
    /var/lib/lockwarden-broker in production). autosave_interval_s: seconds between persistence writes.
    max_queued_messages / max_queued_bytes: per-session queue caps past which Mosquitto drops silently
    (docs/broker.md has the sizing).
    """

    host: str = "127.0.0.1"
    port: int = 1883
    local_host: str = "127.0.0.1"
    username: str = "hub"
    password: str = ""
    tls_ca: str | None = None
    tls_port: int | None = None
    run_as: str = "mosquitto"
    persistence_dir: str | None = None
    autosave_interval_s: int = 300
    max_queued_messages: int = 100_000
    max_queued_bytes: int = 256 * 1024 * 1024


class MetricsSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The Prometheus endpoint (`/metrics`) and health check (`/healthz`) of `hub run`.

    port: TCP port; None (the default) serves nothing. bind: the address to listen on; keep it local (the
    figures name kits and their backlogs) and let Prometheus scrape over the host's own network path."""

    port: int | None = None
    bind: str = "127.0.0.1"


class HubSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """hub_id: the signed sender name of everything the hub sends (kits pin its key under this name).
    database: SQLite file, relative to the hub directory. media_dir: content-addressed media store.
    batch_max: most inbound messages committed in one transaction (group commit).
    language: zh_CN or en for texts people read. (Dispatch settings such as the 30-second offer live in the
    hub database and change at runtime: `lockwarden ops settings.set`.)
    metrics: the `[metrics]` table: the Prometheus endpoint and health check (off unless a port is set).
    police_sealing_key: the police's X25519 public key (base64); sealed evidence (fingerprints, ID and
    customer photos) is sealed again to it before forwarding. None: such files are not forwarded.
    notify: `[notify]`, the SMS gateway and its retry policy (hub/notify/settings.py).
    payments: `[payments]`, the payment webhook and the providers customers pay through (hub/payments)."""

    hub_id: str = "hub"
    database: str = "hub.db"
    media_dir: str = "media"
    batch_max: int = 500
    language: str = "zh_CN"
    police_sealing_key: str | None = None
    notify: NotifySettings = msgspec.field(default_factory=NotifySettings)
    payments: PaymentsSettings = msgspec.field(default_factory=PaymentsSettings)
    broker: BrokerSettings = msgspec.field(default_factory=BrokerSettings)
    metrics: MetricsSettings = msgspec.field(default_factory=MetricsSettings)
