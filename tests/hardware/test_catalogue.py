"""Every text of the hardware layer a person reads has its Simplified Chinese translation."""

from __future__ import annotations

import re
from pathlib import Path

from tests.catalogue import msgids, zh_catalogue

ROOT = Path(__file__).resolve().parents[2]


def test_hardware_catalogue_is_complete() -> None:
    catalogue = zh_catalogue()
    ids = msgids("edge/hardware", "lockwarden/commands/emulate.py")
    assert len(ids) > 40
    assert sorted(i for i in ids if i not in catalogue) == []
    for msgid in ids:  # placeholders survive translation
        assert set(re.findall(r"\{[^}]*\}", msgid)) == set(re.findall(r"\{[^}]*\}", catalogue[msgid])), msgid
