"""Every text of the on-site job that a person reads has its Simplified Chinese translation."""

from __future__ import annotations

from pathlib import Path

from protocol.i18n import LOCALE_DIR, read_po
from tests.catalogue import msgids

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["edge/job", "protocol/regform.py", "hub/evidence", "lockwarden/commands/kit.py"]


def _msgids() -> set[str]:
    return msgids(*SOURCES)


def test_every_msgid_has_a_translation() -> None:
    catalog = read_po(LOCALE_DIR / "zh_CN" / "edge.po")
    missing = sorted(_msgids() - set(catalog))
    assert not missing, missing


def test_placeholders_survive_translation() -> None:
    import re

    catalog = read_po(LOCALE_DIR / "zh_CN" / "edge.po")
    for msgid, msgstr in catalog.items():
        assert set(re.findall(r"\{\w+\}", msgid)) == set(re.findall(r"\{\w+\}", msgstr)), msgid
