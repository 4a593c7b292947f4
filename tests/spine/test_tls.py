"""The field listener: kits authenticate with the client certificate issued at provisioning, the
certificate's name is their MQTT username, and the shipped ACL pins them to their own topics."""

from __future__ import annotations

import ssl
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.app import make_kit
from hub.broker.config import BrokerFiles
from hub.broker.process import MosquittoProcess, free_port
from hub.home import init_hub, tls_listener
from hub.provisioning import provision_kit
from hub.service import make_hub
from tests.spine.helpers import poll


@pytest.fixture
def tls_deployment(tmp_path: Path):  # type: ignore[no-untyped-def]
    port, tls_port = free_port(), free_port()
    home = init_hub(tmp_path / "hub", broker_port=port, tls_port=tls_port)
    kit_a = provision_kit(home, "kit-a", tmp_path / "kit-a")
    kit_b = provision_kit(home, "kit-b", tmp_path / "kit-b")
    broker = MosquittoProcess(BrokerFiles(home.broker_dir), port, tls=tls_listener(home))
    broker.start()
    try:
        yield home, kit_a, kit_b, tls_port
    finally:
        broker.stop()


def _client(tls_port: int, kit_dir: Path | None, kit_id: str) -> tuple[mqtt.Client, list[int]]:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"probe-{kit_id}")
    ca = (kit_dir or Path()) / "keys" / "ca.crt"
    if kit_dir is not None:
        c.tls_set(ca_certs=str(ca), certfile=str(kit_dir / "keys" / f"{kit_id}.crt"),
                  keyfile=str(kit_dir / "keys" / f"{kit_id}.key"), tls_version=ssl.PROTOCOL_TLS_CLIENT)
    codes: list[int] = []
    c.on_connect = lambda cl, u, f, rc, p: codes.append(rc.value)
    return c, codes


def test_kit_syncs_over_tls_with_its_certificate(tls_deployment) -> None:  # type: ignore[no-untyped-def]
    home, kit_dir, _kit_b, _tls_port = tls_deployment
    assert "password" not in (kit_dir / "kit.toml").read_text()  # the certificate is the credential
    hub = make_hub(home.dir)
    hub.start()
    kit = make_kit(kit_dir)
    rec = kit.store.add_record("job.step", {"over": "tls"})
    kit.start()
    try:
        assert poll(lambda: kit.store.backlog() == (0, 0), 30), kit.sync.status()
        assert hub.conn.execute("SELECT sender FROM kit_records WHERE id=?", (rec.id,)).fetchone()[0] == "kit-a"
    finally:
        kit.stop()
        hub.stop()


def test_no_certificate_no_connection(tls_deployment) -> None:  # type: ignore[no-untyped-def]
    home, kit_dir, _kit_b, tls_port = tls_deployment
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="no-cert")
    c.tls_set(ca_certs=str(kit_dir / "keys" / "ca.crt"), tls_version=ssl.PROTOCOL_TLS_CLIENT)
    with pytest.raises((ssl.SSLError, OSError, ConnectionError)):
        c.connect("127.0.0.1", tls_port)
        for _ in range(50):
            c.loop(0.1)
        raise ConnectionError("loop ended")  # reached only if the broker kept the connection open


def test_certificate_name_is_the_username_for_the_acl(tls_deployment) -> None:  # type: ignore[no-untyped-def]
    home, kit_a, kit_b, tls_port = tls_deployment
    seen: list[str] = []
    watcher = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="watcher")
    watcher.username_pw_set("hub", home.settings().broker.password)
    watcher.on_message = lambda cl, u, m: seen.append(m.topic)
    watcher.connect("127.0.0.1", home.settings().broker.port)
    watcher.subscribe("lw/v1/kit/+/up/#", qos=1)
    watcher.loop_start()
    c, _codes = _client(tls_port, kit_b, "kit-b")
    c.connect("127.0.0.1", tls_port)
    c.loop_start()
    try:
        assert poll(lambda: c.is_connected(), 10)
        c.publish("lw/v1/kit/kit-a/up/record", b"{}", qos=1).wait_for_publish(10)  # not its own: dropped
        c.publish("lw/v1/kit/kit-b/up/record", b"{}", qos=1).wait_for_publish(10)  # its own: delivered
        assert poll(lambda: "lw/v1/kit/kit-b/up/record" in seen, 10)
        assert "lw/v1/kit/kit-a/up/record" not in seen
    finally:
        for cl in (c, watcher):
            cl.loop_stop()
            cl.disconnect()
