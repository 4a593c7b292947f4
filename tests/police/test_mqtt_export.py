"""The police export as a real process on a real Mosquitto (the lead's `deployment` fixture): the hub
service's police plugin publishes, `lockwarden police-export` writes and acknowledges; the export process is SIGKILLed
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
from hub.police.reader import iter_entries
from hub.police.verify import verify_export
from hub.provisioning import provision_principal
from hub.service import make_hub
from tests.spine.helpers import poll

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
    # The hub service as deployed: its police plugin forwards, its ingest checks and applies the acks.
    app = make_hub(dep.home.dir, broker_port=dep.port)
    fwd = app.plugins["police"].forwarder
    fwd.retry_ms, fwd.window = 1500, 50  # resend sooner than in production, so the test is short
    clock = app.clock
    app.start()
    try:
        def emit(n: int, start: int) -> None:
            with app._lock:
                for i in range(start, start + n):
                    police_feed.emit(app.conn, "order.step", {"id": f"O{i % 9}", "i": i, "customer_name": f"客户{i}"},
                                     now_ms=clock.now_ms())

        emit(300, 0)
        assert poll(lambda: fwd.acked_seq() >= 120, 60)
        proc.send_signal(signal.SIGKILL)  # mid-stream: some messages written but not acked, some in flight
        proc.wait(10)
        emit(200, 300)
        time.sleep(1.0)  # the hub keeps publishing into the broker meanwhile
        proc = _export(dep, out, key_file, password)  # same client id: the broker redelivers the unacked messages
        assert poll(lambda: fwd.acked_seq() == 500 and fwd.backlog() == 0, 90), fwd.acked_seq()
        assert poll(lambda: (out / "manifest.json").exists() and '"seq": 500' in (out / "manifest.json").read_text(),
                    30)
    finally:
        app.stop()
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    assert [i.seq for i in iter_entries(out)] == list(range(1, 501))
    rep = verify_export(out, dep.home.signing_key().private.public_key())
    assert rep.ok and rep.checkpoint_seq == 500, rep.problems
    assert (out / "records.csv").exists()
