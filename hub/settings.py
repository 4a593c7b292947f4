"""The hub's settings file (`hub.toml` in the hub directory)."""

from __future__ import annotations

from typing import Literal

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


class DatabaseSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The `[database]` table: where the hub keeps its state (docs/install.md, "PostgreSQL backend").

    backend: "sqlite" (the default: one embedded file beside the hub, right for a city) or "postgresql"
    (a PostgreSQL 13+ server, for a province or a hub that must survive its machine; needs the `psycopg`
    package, in the hub extra). path: the SQLite file, relative to the hub directory (sqlite only).
    dsn: the libpq connection string (postgresql only), e.g. "host=/run/postgresql dbname=lockwarden
    user=lockwarden"; a password is better kept in ~/.pgpass or PGPASSFILE than here."""

    backend: Literal["sqlite", "postgresql"] = "sqlite"
    path: str = "hub.db"
    dsn: str = ""

    def __post_init__(self) -> None:
        if self.backend == "postgresql" and not self.dsn.strip():
            raise ValueError('database.dsn is required with backend = "postgresql"')
        if self.backend == "sqlite" and self.dsn:
            raise ValueError('database.dsn is for backend = "postgresql"; the sqlite backend uses database.path')


class HubSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """hub_id: the signed sender name of everything the hub sends (kits pin its key under this name).
    database: the SQLite file, relative to the hub directory, or a `[database]` table choosing the backend
    (DatabaseSettings: sqlite or postgresql). media_dir: content-addressed media store.
    batch_max: most inbound messages committed in one transaction (group commit).
    language: zh_CN or en for texts people read. (Dispatch settings such as the 30-second offer live in the
    hub database and change at runtime: `lockwarden ops settings.set`.)
    metrics: the `[metrics]` table: the Prometheus endpoint and health check (off unless a port is set).
    police_sealing_key: the police's X25519 public key (base64); sealed evidence (fingerprints, ID and
    customer photos) is sealed again to it before forwarding. None: such files are not forwarded.
    notify: `[notify]`, the SMS gateway and its retry policy (hub/notify/settings.py).
    payments: `[payments]`, the payment webhook and the providers customers pay through (hub/payments)."""

    hub_id: str = "hub"
    database: str | DatabaseSettings = "hub.db"
    media_dir: str = "media"
    batch_max: int = 500
    language: str = "zh_CN"
    police_sealing_key: str | None = None
    notify: NotifySettings = msgspec.field(default_factory=NotifySettings)
    payments: PaymentsSettings = msgspec.field(default_factory=PaymentsSettings)
    broker: BrokerSettings = msgspec.field(default_factory=BrokerSettings)
    metrics: MetricsSettings = msgspec.field(default_factory=MetricsSettings)
