"""Every text of the police side that a person reads has its Simplified Chinese translation."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from hub.risk.model import TEXTS
from protocol.i18n import LOCALE_DIR, read_po

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["hub/police", "hub/documents", "hub/risk", "hub/followup", "hub/forwarding", "lockwarden/commands/police.py"]


def _msgids() -> set[str]:
    out: set[str] = set(TEXTS.values())
    for src in SOURCES:
        path = ROOT / src
        for f in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_" \
                        and node.args and isinstance(node.args[0], ast.Constant):
                    out.add(str(node.args[0].value))
    return out


def test_every_msgid_has_a_translation() -> None:
    missing = sorted(_msgids() - set(read_po(LOCALE_DIR / "zh_CN" / "police.po")))
    assert not missing, missing


def test_placeholders_survive_translation() -> None:
    for msgid, msgstr in read_po(LOCALE_DIR / "zh_CN" / "police.po").items():
        assert set(re.findall(r"\{[\w:.]+\}", msgid)) == set(re.findall(r"\{[\w:.]+\}", msgstr)), msgid
