"""The hub as an operator runs it: `lockwarden hub run` in its own process logs its start and its broker
link, serves Prometheus `/metrics` and `/healthz`, and `hub status --json` gives the same figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from edge.app import make_kit
from hub.broker.process import free_port
from hub.settings import HubSettings, MetricsSettings
from protocol import topics
from protocol.settings import dump_settings, load_settings
from tests.spine.helpers import (
    ROOT,
    kit_password,
    poll,
    publish,
    raw_client,
    terminate,
    wait_hub_online,
)


def _version() -> str:
    from importlib.metadata import version

    return version("lockwarden")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _samples(text: str) -> dict[str, float]:
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines() if line and not line.startswith("#")}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LOCKWARDEN_LANG="en")
    return subprocess.run([sys.executable, "-m", "lockwarden", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_metrics_health_and_status_agree_on_a_running_hub(deployment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hub_dir = deployment.home.dir
    settings = load_settings(hub_dir / "hub.toml", HubSettings)
    port = free_port()
    settings.metrics = MetricsSettings(port=port)
    (hub_dir / "hub.toml").write_text(dump_settings(settings))
    log_path = tmp_path / "hub.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "lockwarden", "hub", "run", "--dir", str(hub_dir)],
                                env=dict(os.environ, PYTHONPATH=str(ROOT), LOCKWARDEN_LANG="en"),
                                stdout=log, stderr=log)
    kit_b = None
    try:
        wait_hub_online(deployment.port, deployment.probes["probe-watch"])
        base = f"http://127.0.0.1:{port}"
        assert _get(base + "/healthz")[0] == 200

        # Three good records and one forged payload from kit-a; kit-b connects and reports its backlog.
        kit_a = make_kit(deployment.kits["kit-a"], connect=False)
        wires = []
        for i in range(3):
            rec = kit_a.store.add_record("test.note", {"i": i})
            wires.append(bytes(kit_a.store.conn.execute("SELECT wire FROM records WHERE id=?", (rec.id,)).fetchone()[0]))
        kit_a.store.close()
        c = raw_client(deployment.port, "kit-a", kit_password(deployment.kits["kit-a"]), "kit-a")
        for wire in wires:
            publish(c, topics.KIT_UP_RECORD.build(kit_id="kit-a"), wire)
        publish(c, topics.KIT_UP_RECORD.build(kit_id="kit-a"), b'{"not": "an envelope"')
        c.loop_stop()
        c.disconnect()
        kit_b = make_kit(deployment.kits["kit-b"], broker_port=deployment.port)
        kit_b.store.add_record("test.note", {"waiting": True})
        kit_b.start()

        def scraped() -> dict[str, float]:
            return _samples(_get(base + "/metrics")[1])

        assert poll(lambda: scraped().get('lockwarden_ingest_messages_total{outcome="received"}', 0) >= 4
                    and any(k.startswith("lockwarden_quarantine_entries") for k in scraped())
                    and 'lockwarden_kit_online{kit="kit-b"}' in scraped(), 60), _get(base + "/metrics")[1]
        kit_b.stop()
        kit_b = None
        status, text = _get(base + "/metrics")
        assert status == 200
        m = _samples(text)
        assert m["lockwarden_broker_connected"] == 1
        assert m[f'lockwarden_build_info{{version="{_version()}"}}'] == 1
        quarantined = {k.split('"')[1]: v for k, v in m.items() if k.startswith("lockwarden_quarantine_entries")}
        assert sum(quarantined.values()) == 1

        # Heartbeats keep arriving, so the two views are compared between two equal scrapes: a count that
        # moved while `hub status` ran is a new message, not a disagreement.
        def agree() -> bool:
            nonlocal m, figures
            before = _samples(_get(base + "/metrics")[1])
            st = _cli("hub", "status", "--dir", str(hub_dir), "--json")
            assert st.returncode == 0, st.stderr
            figures = json.loads(st.stdout)
            m = _samples(_get(base + "/metrics")[1])
            totals = {f'lockwarden_ingest_messages_total{{outcome="{k}"}}': float(v)
                      for k, v in figures["ingest_totals"].items()}
            stable = all(before.get(k) == m.get(k) for k in totals)
            return stable and totals.items() <= m.items()

        figures: dict = {}
        assert poll(agree, 60), (figures, m)
        assert figures["quarantine_by_reason"] == quarantined
        assert "kit-b" in figures["kits"] and 'lockwarden_kit_backlog_records{kit="kit-b"}' in m
        assert figures["ingest_rate_per_s"] > 0 and m["lockwarden_ingest_rate_per_second"] > 0
        for name in ("timers_due", "outbox_unsent", "police_unacked", "police_forwarding_lag_s"):
            assert name in figures

        # The broker goes away: health says so, the log says so at WARNING.
        deployment.broker.stop()
        assert poll(lambda: _get(base + "/healthz")[0] == 503, 30)
        assert "broker: not connected" in _get(base + "/healthz")[1]
        assert _samples(_get(base + "/metrics")[1])["lockwarden_broker_connected"] == 0
        assert poll(lambda: "cannot reach the broker" in log_path.read_text(), 60), log_path.read_text()[-3000:]
    finally:
        if kit_b is not None:
            kit_b.stop()
        terminate(proc)
    text = log_path.read_text()
    assert "INFO hub hub started (lockwarden" in text and f"metrics http://127.0.0.1:{port}/metrics" in text
    assert "INFO connected to the broker" in text.replace("protocol.transport.paho_mqtt INFO hub: ", "INFO ")
    assert "WARNING hub: disconnected from the broker" in text
    assert "WARNING hub: cannot reach the broker" in text
    assert "Traceback" not in text
