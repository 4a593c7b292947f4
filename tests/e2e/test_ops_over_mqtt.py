"""`lockwarden ops --config operator.toml ...`: operator actions travel as signed ops requests over the
real broker, the hub answers on the operator's own topic, and the operator's identity is the signed
sender (an operator the hub does not know is refused)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hub.provisioning import provision_principal
from hub.service import make_hub
from lockwarden.demo.city import credit_code, resident_id

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    env = dict(os.environ, PYTHONPATH=str(ROOT), LOCKWARDEN_LANG="en")
    proc = subprocess.run([sys.executable, "-m", "lockwarden", *args], capture_output=True, text=True, env=env,
                          timeout=120)
    try:
        return proc.returncode, json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(proc.stdout + proc.stderr) from exc


def _uscc() -> str:
    return credit_code(12)


def _ric() -> str:
    return resident_id(123)


def test_operator_files_a_unit_over_mqtt(deployment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = deployment.home
    provision_principal(home, "op-li", "operator", tmp_path / "op-li")
    provision_principal(home, "op-ghost", "operator", tmp_path / "op-ghost")
    deployment.broker.reload()
    code, boot = _cli("ops", "--db", str(home.dir / "hub.db"), "bootstrap", "--id", "op-li", "--name", "Li")
    assert code == 0 and boot["ok"], boot
    hub = make_hub(home.dir)
    hub.start()
    try:
        cfg = str(tmp_path / "op-li" / "operator.toml")
        code, resp = _cli("ops", "--config", cfg, "unit.file", "--name", "安心开锁", "--address", "北京市东城区",
                          "--uscc", _uscc(), "--legal-rep-name", "钱志远", "--legal-rep-id", _ric(),
                          "--filing-receipt-no", "京公特备字2026-0001")
        assert code == 0 and resp["ok"], json.dumps(resp, ensure_ascii=False)
        unit_id = resp["result"]["id"] if isinstance(resp["result"], dict) else resp["result"]
        code, shown = _cli("ops", "--config", cfg, "unit.show", "--id", unit_id)
        assert shown["ok"] and "operator:op-li" in json.dumps(shown, ensure_ascii=False)
        # a bad checksum is refused field by field
        code, bad = _cli("ops", "--config", cfg, "unit.file", "--name", "x", "--address", "y", "--uscc",
                         "911101016000000120", "--legal-rep-name", "z", "--legal-rep-id", _ric(),
                         "--filing-receipt-no", "n")
        assert code == 1 and not bad["ok"] and any(e["field"] == "uscc" for e in bad["errors"]), bad
        # signed and on its own topic, but not a registered operator of the hub: refused
        code, ghost = _cli("ops", "--config", str(tmp_path / "op-ghost" / "operator.toml"), "order.list")
        assert code == 1 and ghost["code"] == "unauthenticated", ghost
    finally:
        hub.stop()
