"""Every text of the on-site job that a person reads has its Simplified Chinese translation."""

from __future__ import annotations

from pathlib import Path

from protocol.i18n import LOCALE_DIR, read_po
from tests.catalogue import msgids

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["edge/job", "protocol/regform.py", "hub/evidence", "lockwarden/commands/kit.py",
           "lockwarden/commands/_kit_id.py"]
# The job's texts: edge.po, and kit.po for the ID number entry (edge/job/idnumber.py) and fingerprint
# enrolment added by the kit's own area; kit_link.po for login first (password, pattern) and the kit link.
CATALOGUES = ("edge.po", "kit.po", "kit_link.po")


def _msgids() -> set[str]:
    return msgids(*SOURCES)


def _catalog() -> dict[str, str]:
    catalog: dict[str, str] = {}
    for name in CATALOGUES:
        catalog.update(read_po(LOCALE_DIR / "zh_CN" / name))
    return catalog


def test_every_msgid_has_a_translation() -> None:
    catalog = _catalog()
    missing = sorted(_msgids() - set(catalog))
    assert not missing, missing


def test_placeholders_survive_translation() -> None:
    import re

    catalog = _catalog()
    for msgid, msgstr in catalog.items():
        assert set(re.findall(r"\{\w+\}", msgid)) == set(re.findall(r"\{\w+\}", msgstr)), msgid
