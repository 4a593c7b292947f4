"""Every text of the hardware layer a person reads has its Simplified Chinese translation."""

from __future__ import annotations

import re
from pathlib import Path

from protocol.i18n import read_po

ROOT = Path(__file__).resolve().parents[2]
MSGID = re.compile(r'_\(\s*"((?:[^"\\]|\\.)*)"\s*\)')


def test_hardware_catalogue_is_complete() -> None:
    catalogue = read_po(ROOT / "protocol" / "locale" / "zh_CN" / "hardware.po")
    files = [*(ROOT / "edge" / "hardware").rglob("*.py"), ROOT / "lockwarden" / "commands" / "emulate.py"]
    ids = {m for f in files for m in MSGID.findall(f.read_text())}
    assert len(ids) > 40
    assert sorted(i for i in ids if i not in catalogue) == []
    for msgid in ids:  # placeholders survive translation
        assert set(re.findall(r"\{[^}]*\}", msgid)) == set(re.findall(r"\{[^}]*\}", catalogue[msgid])), msgid
