"""The demo's world: a broker, a hub, provisioned kits, all in one directory a person can inspect."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from edge.app import KitApp, make_kit
from hub.home import HubHome, init_hub
from hub.provisioning import provision_kit
from hub.service import HubApp, make_hub, wait_until
from lockwarden.demo.broker import DemoBroker
from protocol.clock import FakeClock


@dataclass
class World:
    dir: Path
    clock: FakeClock
    broker: DemoBroker
    home: HubHome
    hub: HubApp | None = None
    kits: dict[str, KitApp] = field(default_factory=dict)

    def start_hub(self) -> HubApp:
        self.hub = make_hub(self.home.dir, clock=self.clock, broker_port=self.broker.port)
        self.hub.start()
        wait_until(lambda: self.hub is not None and self.hub.transport is not None and self.hub.transport.connected, 20)
        return self.hub

    def add_kit(self, kit_id: str) -> KitApp:
        kit_dir = provision_kit(self.home, kit_id, self.dir / "kits" / kit_id, clock=self.clock)
        self.broker.reload()
        time.sleep(0.2)  # Mosquitto rereads the password file on SIGHUP
        kit = make_kit(kit_dir, clock=self.clock, broker_port=self.broker.port)
        kit.start()
        self.kits[kit_id] = kit
        return kit

    def stop(self) -> None:
        for kit in self.kits.values():
            kit.stop()
        if self.hub is not None:
            self.hub.stop()
        self.broker.stop()


def demo_dir() -> Path:
    chosen = os.environ.get("LOCKWARDEN_DEMO_DIR")
    if chosen:
        path = Path(chosen)
        path.mkdir(parents=True, exist_ok=True)
        if any(path.iterdir()):
            # A previous run's files would mix with this one's; keep them, start beside them.
            path = Path(tempfile.mkdtemp(prefix="run-", dir=path))
        return path
    return Path(tempfile.mkdtemp(prefix="lockwarden-demo-"))


def build_world(directory: Path) -> World:
    clock = FakeClock(start_ms=time.time_ns() // 1_000_000)
    broker = DemoBroker(directory / "hub" / "broker")
    home = init_hub(directory / "hub", broker_port=broker.port)
    world = World(directory, clock, broker, home)
    broker.start()
    return world
