"""The hub directory: settings, keys, database, media and the broker's files.

    HUB_DIR/hub.toml            settings (hub.settings.HubSettings), 0600: it holds the hub's broker password
    HUB_DIR/keys/hub_signing.key   Ed25519 private key (0600); .pub beside it is pinned by every kit
    HUB_DIR/keys/hub_sealing.key   X25519 private key (0600); kits seal biometrics and ID images to it
    HUB_DIR/hub.db, HUB_DIR/media/   storage
    HUB_DIR/broker/             Mosquitto config, ACL and password file rendered for this deployment
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hub.broker.config import new_password
from hub.db import Database, Postgres
from hub.settings import BrokerSettings, DatabaseSettings, HubSettings, MetricsSettings
from protocol.keys import SealingKey, SigningKey, write_private, write_public
from protocol.settings import dump_settings, load_settings


def write_secret(path: Path, text: str) -> None:
    """Atomically write a settings file that holds a secret (hub.toml's broker password, kit.toml's): 0600,
    whatever mode an older copy had."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


@dataclass
class HubHome:
    dir: Path

    @property
    def settings_file(self) -> Path:
        return self.dir / "hub.toml"

    @property
    def keys(self) -> Path:
        return self.dir / "keys"

    @property
    def pki(self) -> Path:
        return self.dir / "pki"

    @property
    def broker_dir(self) -> Path:
        return self.dir / "broker"

    def settings(self) -> HubSettings:
        return load_settings(self.settings_file, HubSettings)

    def signing_key(self) -> SigningKey:
        return SigningKey.from_b64((self.keys / "hub_signing.key").read_text())

    def sealing_key(self) -> SealingKey:
        return SealingKey.from_b64((self.keys / "hub_sealing.key").read_text())

    def signing_public(self) -> str:
        return (self.keys / "hub_signing.pub").read_text().strip()

    def sealing_public(self) -> str:
        return (self.keys / "hub_sealing.pub").read_text().strip()

    def db_path(self) -> Path:
        """The SQLite file (also named when the backend is PostgreSQL: tools that only work on a file,
        such as `hub backup`, refuse with a clear line then)."""
        db = self.settings().database
        return self.dir / (db if isinstance(db, str) else db.path)

    def database(self) -> Database:
        """What hub.db.connect/open_hub_db take: the SQLite file, or the PostgreSQL server."""
        db = self.settings().database
        if isinstance(db, DatabaseSettings) and db.backend == "postgresql":
            return Postgres(db.dsn)
        return self.db_path()

    def media_path(self) -> Path:
        return self.dir / self.settings().media_dir


def init_hub(directory: Path, *, broker_port: int = 1883, broker_host: str = "127.0.0.1",
             tls_port: int | None = None, metrics_port: int | None = None) -> HubHome:
    """Create a hub directory (idempotent: existing keys are never replaced)."""
    home = HubHome(Path(directory))
    home.dir.mkdir(parents=True, exist_ok=True)
    if not (home.keys / "hub_signing.key").exists():
        sk = SigningKey.generate()
        write_private(home.keys / "hub_signing.key", sk.to_b64())
        write_public(home.keys / "hub_signing.pub", sk.public_b64())
    if not (home.keys / "hub_sealing.key").exists():
        xk = SealingKey.generate()
        write_private(home.keys / "hub_sealing.key", xk.to_b64())
        write_public(home.keys / "hub_sealing.pub", xk.public_b64())
    if not home.settings_file.exists():
        settings = HubSettings(broker=BrokerSettings(host=broker_host, port=broker_port, tls_port=tls_port,
                                                     password=new_password()),
                               metrics=MetricsSettings(port=metrics_port))
        write_secret(home.settings_file, dump_settings(settings))
        from hub.broker.config import BrokerFiles

        files = BrokerFiles(home.broker_dir)
        files.set_password(settings.broker.username, settings.broker.password)
        if tls_port:
            from hub.broker.pki import ensure_ca, ensure_crl, issue

            ensure_ca(home.pki)
            issue(home.pki, "broker", home.pki, server=True, hosts=("localhost", "127.0.0.1", broker_host))
            ensure_crl(home.pki)
    return home


def tls_listener(home: HubHome) -> dict[str, str] | None:
    """The values for firmware_config/mosquitto/tls-listener.conf.tmpl, or None without a field listener."""
    port = home.settings().broker.tls_port
    if not port:
        return None
    from hub.broker.pki import ensure_crl

    return {"tls_port": str(port), "ca_file": str(home.pki / "ca.crt"), "cert_file": str(home.pki / "broker.crt"),
            "key_file": str(home.pki / "broker.key"), "crl_file": str(ensure_crl(home.pki))}
