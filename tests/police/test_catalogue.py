"""Every text of the police side that a person reads has its Simplified Chinese translation."""

from __future__ import annotations

import re
from pathlib import Path

from hub.risk.model import TEXTS
from protocol.i18n import LOCALE_DIR, read_po
from tests.catalogue import msgids, zh_catalogue

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["hub/police", "hub/documents", "hub/risk", "hub/followup", "hub/forwarding", "lockwarden/commands/police.py"]


def _msgids() -> set[str]:
    return set(TEXTS.values()) | msgids(*SOURCES)


def test_every_msgid_has_a_translation() -> None:
    missing = sorted(_msgids() - set(zh_catalogue()))
    assert not missing, missing


def test_placeholders_survive_translation() -> None:
    for msgid, msgstr in read_po(LOCALE_DIR / "zh_CN" / "police.po").items():
        assert set(re.findall(r"\{[\w:.]+\}", msgid)) == set(re.findall(r"\{[\w:.]+\}", msgstr)), msgid
