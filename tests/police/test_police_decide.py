"""`lockwarden police-decide` on a real Mosquitto with the shipped ACL: the police principal signs a decision,
the hub service releases a case-opened order's frozen deposit to the customer, answers, and forwards the
decision into the police export (written by the real `police-export` on the `police` account, while the desk
signs and connects as `police-desk`). A second decision is refused with the reason and a non-zero exit code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hub.ledger.core import balance, check
from hub.police.reader import iter_entries
from hub.provisioning import provision_principal
from hub.service import make_hub
from tests.hub.test_police_decision import DEPOSIT, case_opened
from tests.hub.world import World
from tests.spine.helpers import poll

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), LOCKWARDEN_LANG="en")


def test_police_decide_releases_a_case_opened_deposit(deployment, tmp_path):  # type: ignore[no-untyped-def]
    dep = deployment
    station = tmp_path / "police"
    provision_principal(dep.home, "police", "police", station)
    # The desk is a police principal of its own: one connection per broker account, and the export holds
    # the `police` one.
    provision_principal(dep.home, "police-desk", "police", station)
    dep.broker.reload()
    keys = station / "keys"
    # The order's life up to the missed deadline, on the hub's own database before the service starts.
    world = World(dep.home.db_path())
    order, _lid = case_opened(world)
    credited = balance(world.conn, "customer:c-1")
    world.conn.close()

    export = subprocess.Popen(
        [sys.executable, "-m", "lockwarden.commands.police", "police-export", "--out", str(tmp_path / "export"),
         "--hub-key", str(dep.home.keys / "hub_signing.pub"), "--police-key", str(keys / "police.key"),
         "--port", str(dep.port), "--username", "police", "--password-file", str(keys / "police.broker_password")],
        cwd=ROOT, env=_env(), stdout=(tmp_path / "export.log").open("ab"), stderr=subprocess.STDOUT)
    app = make_hub(dep.home.dir, broker_port=dep.port)
    app.start()

    def run(*extra: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "lockwarden", "--lang", lang, "police-decide", "--order", order, "--case",
             f"CASE-{order}", "--reason", "deed checked at the station", "--police-key", str(keys / "police-desk.key"),
             "--hub-key", str(dep.home.keys / "hub_signing.pub"), "--port", str(dep.port),
             "--password-file", str(keys / "police-desk.broker_password"), *extra],
            cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120)

    def decide(*extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
        proc = run("--json", *extra)
        try:
            return proc.returncode, json.loads(proc.stdout)
        except json.JSONDecodeError as exc:
            raise AssertionError(proc.stdout + proc.stderr) from exc

    try:
        code, answer = decide("--deposit", "release")
        assert code == 0 and answer["ok"] and answer["applied"], answer
        assert answer["state"] == "closed_by_police"
        assert answer["holds"] == [{"purpose": "deposit", "amount_fen": DEPOSIT, "state": "released",
                                    "account": "customer:c-1", "name": "张三"}]
        code, again = decide("--deposit", "pay")
        assert code == 1 and not again["ok"] and again["code"] == "already_decided", again
        # As an officer reads it, in both languages: the person by name and role, never the ledger account.
        retry = ("--deposit", "release", "--decision-id", answer["decision_id"])
        told = {lang: run(*retry, lang=lang).stdout for lang in ("en", "zh_CN")}
        assert "  deposit: ¥200.00 released, to 张三 (the customer)" in told["en"], told
        assert "is closed by the police" in told["en"] and "customer:" not in told["en"] + told["zh_CN"], told
        assert "转给张三（客户）" in told["zh_CN"] and "closed_by_police" not in told["zh_CN"], told
        refused = run("--deposit", "pay").stdout
        assert refused.startswith("REFUSED: ") and "(the hub's code: already_decided)" in refused, refused
        with app._lock:
            assert balance(app.conn, "customer:c-1") == credited + DEPOSIT
            assert balance(app.conn, f"escrow:{order}") == 0
            assert check(app.conn) == []
            assert app.conn.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0

        def forwarded() -> bool:
            with app._lock:
                status = app.plugins["police"].status()
                top = app.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM police_feed").fetchone()[0]
            return bool(status["backlog"] == 0 and status["acked_seq"] >= top > 0)

        assert poll(forwarded, 60), (tmp_path / "export.log").read_text(errors="replace")[-2000:]
    finally:
        app.stop()
        export.send_signal(signal.SIGTERM)
        export.wait(20)
    decisions = [e.env["body"] for e in iter_entries(tmp_path / "export") if e.env["body"]["kind"] == "police.decision"]
    assert len(decisions) == 1
    data = decisions[0]["data"]
    assert data["order_id"] == order and data["case_ref"] == f"CASE-{order}" and data["from"] == "case_opened"
    assert data["holds"][0]["state"] == "released"
