"""Shared fixtures. `deployment` is a real hub directory, provisioned kits and a real Mosquitto started on a
free port with the project's own configuration (firmware_config/mosquitto)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import pytest

from hub.broker.config import BrokerFiles, new_password
from hub.broker.process import MosquittoProcess, free_port, mosquitto_binary
from hub.db import Database, Postgres
from hub.home import HubHome, init_hub, write_secret
from hub.provisioning import provision_kit
from hub.settings import DatabaseSettings
from protocol.i18n import language, set_language
from protocol.settings import dump_settings
from tests.pgcluster import pg_cluster, pg_database  # noqa: F401 (fixtures for every test package)


@dataclass
class Deployment:
    root: Path
    home: HubHome
    broker: MosquittoProcess
    port: int
    kits: dict[str, Path] = field(default_factory=dict)
    # Test-only broker accounts with the hub's rights, for injecting and watching. The broker makes the
    # username the client id, so a test that used the hub's own account would take over the hub's session.
    probes: dict[str, str] = field(default_factory=dict)

    def add_kit(self, kit_id: str) -> Path:
        path = provision_kit(self.home, kit_id, self.root / "kits" / kit_id)
        self.kits[kit_id] = path
        self.broker.reload()
        return path


PROBES = ("probe", "probe-watch", "probe-2")


def add_probes(files: BrokerFiles, into: dict[str, str]) -> None:
    """Accounts a test injects and watches with (read-write on the whole tree, like the hub's)."""
    for name in PROBES:
        password = new_password()
        files.set_password(name, password)
        files.add_acl_block(name, f"user {name}\ntopic readwrite lw/v1/#")
        into[name] = password


@pytest.fixture(autouse=True)
def _language_restored() -> Iterator[None]:
    """Every test leaves the language as it found it: `lockwarden.cli.main` and tests that switch
    languages set the process-wide catalogue, which used to leak into whatever test the worker ran next
    (order-dependent failures under `-n 2`). A wider fixture that chose a language keeps it."""
    before = language()
    yield
    set_language(before)


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """The hub's database on each backend: an SQLite file, and a fresh database on the session's own
    PostgreSQL cluster (tests/pgcluster.py). A test that takes it runs once per backend."""
    if request.param == "sqlite":
        return tmp_path / "hub.db"
    db: Database = request.getfixturevalue("pg_database")
    return db


def use_database(home: HubHome, db: Database) -> None:
    """Point a hub directory's hub.toml at `db` (an SQLite file or a PostgreSQL database)."""
    settings = home.settings()
    chosen: str | DatabaseSettings = str(db) if not isinstance(db, Postgres) else \
        DatabaseSettings(backend="postgresql", dsn=db.dsn)
    write_secret(home.settings_file, dump_settings(msgspec.structs.replace(settings, database=chosen)))


@pytest.fixture
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    """A hub directory, its Mosquitto and two kits. `@pytest.mark.parametrize("deployment", ["sqlite",
    "postgresql"], indirect=True)` runs a test on each database backend (sqlite when not parametrized)."""
    if mosquitto_binary() is None:
        pytest.fail("mosquitto is not installed; .ci/run installs Debian's mosquitto package")
    port = free_port()
    home = init_hub(tmp_path / "hub", broker_port=port)
    if getattr(request, "param", "sqlite") == "postgresql":
        use_database(home, request.getfixturevalue("pg_database"))
    broker = MosquittoProcess(BrokerFiles(home.broker_dir), port)
    dep = Deployment(tmp_path, home, broker, port)
    dep.add_kit("kit-a")
    dep.add_kit("kit-b")
    add_probes(dep.broker.files, dep.probes)
    broker.start()
    try:
        yield dep
    finally:
        broker.stop()
