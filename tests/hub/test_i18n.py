"""Every text the hub domain shows a person has a Simplified Chinese translation in hub.po."""

from __future__ import annotations

import ast
from pathlib import Path

from protocol.i18n import read_po
from protocol.messages.ops import HUB_DOMAIN_OPS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["hub/registry", "hub/orders", "hub/ledger", "hub/dispatch", "hub/timers", "hub/ops",
           "lockwarden/commands/ops.py"]


def msgids() -> set[str]:
    found: set[str] = {summary for _body, summary in HUB_DOMAIN_OPS.values()}
    for src in SOURCES:
        path = ROOT / src
        for f in [path] if path.is_file() else sorted(path.rglob("*.py")):
            for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
                        and node.args and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)):
                    found.add(node.args[0].value)
    return found


def test_every_hub_msgid_is_translated() -> None:
    catalog = read_po(ROOT / "protocol" / "locale" / "zh_CN" / "hub.po")
    missing = sorted(msgids() - set(catalog))
    assert not missing, missing
