"""A red risk warning reaches the duty desk through the real `police-export` process on a real Mosquitto
(the lead's `deployment` fixture): the hub service raises the warning, its police plugin forwards it, the
export's case desk runs the real command notifier, which appends the alert to a file. Once, even after the
export restarts and scans its cases again."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hub.provisioning import provision_principal
from hub.risk.config import RiskRules, Rule
from hub.risk.warnings import evaluate
from hub.service import make_hub
from tests.spine.helpers import poll

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

# The hub's own risk model with one rule every locksmith fails: rated below 6 of 5 (one not rated yet counts as 5)
# scores 10, red from 5. The test raises a real warning without a history of jobs.
RED_FOR_ALL = RiskRules(red=5, yellow=3, blue=1, customer=(),
                        locksmith=(Rule(code="low_rating", kind="below", weight=10, threshold=6, min_count=0),))


def _export(dep, tmp_path: Path, desk_file: Path) -> subprocess.Popen[bytes]:
    station = tmp_path / "police" / "keys"
    notifier = "command:sh -c " + shlex.quote(f"cat >> {desk_file}; echo >> {desk_file}")
    log = (tmp_path / "police-export.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "lockwarden.commands.police", "--lang", "en", "police-export", "--out", str(tmp_path / "export"),
         "--hub-key", str(dep.home.keys / "hub_signing.pub"), "--police-key", str(station / "police.key"),
         "--port", str(dep.port), "--username", "police", "--password-file", str(station / "police.broker_password"),
         "--notifier", notifier],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=log, stderr=subprocess.STDOUT)


def _log(tmp_path: Path) -> str:
    return (tmp_path / "police-export.log").read_text(encoding="utf-8", errors="replace")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(20)


def test_a_red_warning_reaches_the_duty_desk_through_the_export_process(deployment, tmp_path):
    dep = deployment
    provision_principal(dep.home, "police", "police", tmp_path / "police")
    dep.broker.reload()
    desk_file = tmp_path / "duty.jsonl"

    def alerts() -> list[dict]:
        text = desk_file.read_text(encoding="utf-8") if desk_file.exists() else ""
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    proc = _export(dep, tmp_path, desk_file)
    app = make_hub(dep.home.dir, broker_port=dep.port)
    plugin = app.plugins["police"]
    app.start()
    try:
        with app._lock:
            raised = evaluate(app.conn, app.clock, "locksmith", "ls-duty-1", rules=RED_FOR_ALL)
        assert raised is not None and raised.level == "red"
        assert poll(lambda: bool(alerts()), 60), _log(tmp_path)[-2000:]
        [alert] = alerts()
        assert alert["kind"] == "risk.warning" and alert["level"] == "red" and alert["subject"] == "locksmith"
        assert alert["subject_id"] == "ls-duty-1" and alert["case_id"].startswith("WARN-")
        assert [r["code"] for r in alert["reasons"]] == ["low_rating"]
        assert poll(lambda: plugin.status()["backlog"] == 0 and plugin.status()["acked_seq"] > 0, 60)
        _stop(proc)
        # Restarted, the export scans its cases again (as after a crash): the desk was told already.
        proc = _export(dep, tmp_path, desk_file)
        # it says so once it scanned its cases, before it takes new records
        assert poll(lambda: _log(tmp_path).count("police export writing to") == 2, 30), _log(tmp_path)[-2000:]
    finally:
        app.stop()
        _stop(proc)
    assert len(alerts()) == 1
