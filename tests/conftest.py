"""Shared fixtures. `deployment` is a real hub directory, provisioned kits and a real Mosquitto started on a
free port with the project's own configuration (firmware_config/mosquitto)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hub.broker.config import BrokerFiles, new_password
from hub.broker.process import MosquittoProcess, free_port, mosquitto_binary
from hub.home import HubHome, init_hub
from hub.provisioning import provision_kit
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


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    if mosquitto_binary() is None:
        pytest.fail("mosquitto is not installed; .ci/run installs Debian's mosquitto package")
    port = free_port()
    home = init_hub(tmp_path / "hub", broker_port=port)
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
