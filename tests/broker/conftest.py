"""A hub with both listeners as production runs them: the loopback password listener the hub dials, and the
field listener (TLS, client certificates, CRL). Real Mosquitto on the shipped configuration."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from hub.broker.config import BrokerFiles, new_password
from hub.broker.process import MosquittoProcess, free_port, mosquitto_binary
from hub.home import HubHome, init_hub, tls_listener
from hub.provisioning import provision_kit, provision_principal
from tests.conftest import add_probes


@dataclass
class Field:
    root: Path
    home: HubHome
    broker: MosquittoProcess
    port: int
    tls_port: int
    kits: dict[str, Path] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    probes: dict[str, str] = field(default_factory=dict)  # test accounts with the hub's rights

    def log(self) -> str:
        return self.broker.log_file.read_text(errors="replace")


@pytest.fixture
def field_hub(tmp_path: Path) -> Iterator[Field]:
    if mosquitto_binary() is None:
        pytest.fail("mosquitto is not installed; .ci/run installs Debian's mosquitto package")
    port, tls_port = free_port(), free_port()
    home = init_hub(tmp_path / "hub", broker_port=port, tls_port=tls_port)
    f = Field(tmp_path, home, MosquittoProcess(BrokerFiles(home.broker_dir), port, tls=tls_listener(home)), port,
              tls_port)
    for kit in ("kit-a", "kit-b"):
        f.kits[kit] = provision_kit(home, kit, tmp_path / kit)
        # The kit's certificate is its credential on the field listener; a password account too, so the
        # test can try the same account on the password listener.
        f.passwords[kit] = new_password()
        BrokerFiles(home.broker_dir).set_password(kit, f.passwords[kit])
    _key, f.passwords["police"] = provision_principal(home, "police", "police", tmp_path / "police")
    add_probes(f.broker.files, f.probes)
    f.broker.start()
    try:
        yield f
    finally:
        f.broker.stop()


class Client:
    """A raw paho client that records its connects, disconnects and messages."""

    def __init__(self, client_id: str, *, clean: bool = True) -> None:
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean)
        self.events: list[tuple[str, str]] = []
        self.messages: list[tuple[str, bytes]] = []
        self.connected = threading.Event()
        self.c.on_connect = self._on_connect
        self.c.on_disconnect = lambda cl, u, f, rc, p: self.events.append(("disconnect", str(rc)))
        self.c.on_message = lambda cl, u, m: self.messages.append((m.topic, m.payload))

    def _on_connect(self, cl, u, flags, rc, p) -> None:  # type: ignore[no-untyped-def]
        self.events.append(("connect", str(rc)))
        if not rc.is_failure:
            self.connected.set()

    def password(self, user: str, password: str) -> Client:
        self.c.username_pw_set(user, password)
        return self

    def cert(self, kit_dir: Path, name: str | None = None) -> Client:
        name = name or kit_dir.name
        self.c.tls_set(ca_certs=str(kit_dir / "keys" / "ca.crt"), certfile=str(kit_dir / "keys" / f"{name}.crt"),
                       keyfile=str(kit_dir / "keys" / f"{name}.key"), tls_version=ssl.PROTOCOL_TLS_CLIENT)
        return self

    def start(self, port: int) -> Client:
        self.c.connect("127.0.0.1", port, keepalive=30)
        self.c.loop_start()
        return self

    def stop(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()

    @property
    def disconnects(self) -> int:
        return sum(1 for e in self.events if e[0] == "disconnect")
