"""The police export as a real process on a real Mosquitto (the lead's `deployment` fixture): the hub's
forwarder publishes, `lockwarden police-export` writes and acknowledges; the export process is SIGKILLed
in the middle and restarted, and the export ends up complete, once, in order, and verified."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub import police_feed
from hub.db import open_hub_db
from hub.forwarding.forwarder import Forwarder
from hub.forwarding.runner import ForwardingLoop
from hub.police.reader import iter_entries
from hub.police.verify import verify_export
from hub.provisioning import provision_principal
from protocol.clock import SystemClock
from protocol.keys import SigningKey
from protocol.transport.paho_mqtt import LinkSettings, PahoTransport
from tests.spine.helpers import hub_password, poll

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _export(dep, out: Path, key_file: Path, password: str) -> subprocess.Popen[bytes]:
    log = (out.parent / "police-export.log").open("ab")
    # The police commands alone: the test does not depend on every other subcommand importing cleanly.
    return subprocess.Popen(
        [sys.executable, "-m", "lockwarden.commands.police", "police-export", "--out", str(out), "--hub-key",
         str(dep.home.keys / "hub_signing.pub"), "--police-key", str(key_file), "--port", str(dep.port),
         "--username", "police", "--password", password],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=log, stderr=subprocess.STDOUT)



def test_export_over_mosquitto_survives_sigkill(deployment, tmp_path):
    dep = deployment
    out = tmp_path / "export"
    _key, password = provision_principal(dep.home, "police", "police", tmp_path)
    dep.broker.reload()
    key_file = tmp_path / "keys" / "police.key"
    proc = _export(dep, out, key_file, password)
    assert poll(key_file.exists, 60), (tmp_path / "police-export.log").read_text(errors="replace")
    police_pub = SigningKey.from_b64(key_file.read_text()).private.public_key()
    conn = open_hub_db(dep.home.db_path())
    clock = SystemClock()
    fwd = Forwarder(conn, dep.home.signing_key(), clock, police_key=police_pub, retry_ms=1500, window=50)
    loop: ForwardingLoop

    transport = PahoTransport(
        LinkSettings(host="127.0.0.1", port=dep.port, client_id="hub-police-test", username="hub",
                     password=hub_password(dep.home.dir)),
        on_message=lambda m: loop.on_message(m))
    loop = ForwardingLoop(fwd, transport)
    loop.subscribe()
    transport.start()
    try:
        assert transport.wait_connected(10)

        def emit(n: int, start: int) -> None:
            for i in range(start, start + n):
                police_feed.emit(conn, "order.step", {"id": f"O{i % 9}", "i": i, "customer_name": f"客户{i}"},
                                 now_ms=clock.now_ms())

        emit(300, 0)
        assert poll(lambda: loop.step() >= 0 and fwd.acked_seq() >= 120, 60)
        proc.send_signal(signal.SIGKILL)  # mid-stream: some messages written but not acked, some in flight
        proc.wait(10)
        emit(200, 300)
        for _ in range(20):
            loop.step()
            time.sleep(0.05)
        proc = _export(dep, out, key_file, password)  # same client id: the broker redelivers the unacked messages
        assert poll(lambda: loop.step() >= 0 and fwd.acked_seq() == 500 and fwd.backlog() == 0, 90), fwd.acked_seq()
        assert poll(lambda: loop.step() >= 0 and (out / "manifest.json").exists()
                     and '"seq": 500' in (out / "manifest.json").read_text(), 30)
    finally:
        transport.stop()
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    assert [i.seq for i in iter_entries(out)] == list(range(1, 501))
    rep = verify_export(out, dep.home.signing_key().private.public_key())
    assert rep.ok and rep.checkpoint_seq == 500, rep.problems
    assert (out / "records.csv").exists()
