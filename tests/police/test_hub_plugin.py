"""The police plugin inside the real hub service (make_hub) on a real Mosquitto, with the real
`police-export` process: police_feed rows end up in a verified export; acks go through the hub's ingest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hub import police_feed
from hub.forwarding.hub_plugin import PolicePlugin
from hub.police.reader import iter_entries
from hub.police.verify import verify_export
from hub.provisioning import provision_principal
from hub.service import make_hub
from tests.spine.helpers import poll

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow



@pytest.mark.parametrize("deployment", ["sqlite", "postgresql"], indirect=True)
def test_plugin_forwards_through_the_hub_service(deployment, tmp_path):
    dep = deployment
    _key, _password = provision_principal(dep.home, "police", "police", tmp_path / "police")
    dep.broker.reload()
    out = tmp_path / "export"
    log = (tmp_path / "police-export.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lockwarden.commands.police", "police-export", "--out", str(out), "--hub-key",
         str(dep.home.keys / "hub_signing.pub"), "--police-key", str(tmp_path / "police" / "keys" / "police.key"),
         "--port", str(dep.port), "--username", "police",
         "--password-file", str(tmp_path / "police" / "keys" / "police.broker_password")],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=log, stderr=subprocess.STDOUT)
    app = make_hub(dep.home.dir, broker_port=dep.port)
    plugin = PolicePlugin(app.conn, app.clock, app.key, sender=app.settings.hub_id, media=app.ingest.media,
                          retry_ms=2000)
    plugin.install(app)
    app.start()
    try:
        with app._lock:
            for i in range(50):
                police_feed.emit(app.conn, "unit.filed", {"id": f"u{i}", "name": f"安心开锁{i}",
                                                          "address": "北京市东城区某路1号"}, now_ms=app.clock.now_ms())
        ok = poll(lambda: plugin.status()["acked_seq"] == 50 and plugin.status()["backlog"] == 0, 60)
        assert ok, (plugin.status(), (tmp_path / "police-export.log").read_text(errors="replace")[-2000:])
        assert poll(lambda: (out / "manifest.json").exists() and '"seq": 50' in (out / "manifest.json").read_text())
    finally:
        app.stop()
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    assert [i.seq for i in iter_entries(out)] == list(range(1, 51))
    rep = verify_export(out, app.key.private.public_key())
    assert rep.ok and rep.checkpoint_seq == 50, rep.problems


def test_a_missed_deadline_reaches_the_duty_officer_over_mqtt(deployment, tmp_path):
    """`--notifier mqtt` on the shipped ACL: the duty officer's system, on a police account of its own (one
    connection per account: on the export's it would take over the export's session), gets the case."""
    import json
    import queue

    from tests.spine.helpers import raw_client

    dep = deployment
    provision_principal(dep.home, "police", "police", tmp_path / "police")
    _key, password = provision_principal(dep.home, "police-duty", "police", tmp_path / "duty")
    dep.broker.reload()
    got: queue.Queue[tuple[str, bytes]] = queue.Queue()
    duty = raw_client(dep.port, "police-duty", password, "police-duty")
    duty.on_message = lambda _c, _u, m: got.put((m.topic, m.payload))
    duty.subscribe("lw/v1/police/cases/#", qos=1)
    out = tmp_path / "export"
    log = (tmp_path / "police-export.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lockwarden.commands.police", "police-export", "--out", str(out), "--hub-key",
         str(dep.home.keys / "hub_signing.pub"), "--police-key", str(tmp_path / "police" / "keys" / "police.key"),
         "--port", str(dep.port), "--username", "police", "--notifier", "mqtt:lw/v1/police/cases/dongcheng",
         "--password-file", str(tmp_path / "police" / "keys" / "police.broker_password")],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=log, stderr=subprocess.STDOUT)
    app = make_hub(dep.home.dir, broker_port=dep.port)
    app.start()
    try:
        with app._lock:
            police_feed.emit(app.conn, "order.formed", {"order_id": "O-7", "locksmith_id": "ls-1"},
                             now_ms=app.clock.now_ms())
            police_feed.emit(app.conn, "documents.overdue", {"order_id": "O-7", "customer_id": "cu-1"},
                             now_ms=app.clock.now_ms())
        topic, payload = got.get(timeout=60)
        case = json.loads(payload)
        assert topic == "lw/v1/police/cases/dongcheng"
        assert case["order_id"] == "O-7" and case["case_id"] == "CASE-O-7"
        assert [e["kind"] for e in case["evidence"]] == ["order.formed", "documents.overdue"]
    finally:
        duty.loop_stop()
        app.stop()
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
