"""Every literal msgid in protocol, edge, hub and lockwarden has a zh_CN translation with the same
placeholders: the logic of scripts/check_translations.py (also run by `make lint`)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests import catalogue

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    return catalogue.checker()


def test_every_msgid_is_translated(checker: ModuleType) -> None:
    report = checker.check(checker.extract_tables(checker.extract()), checker.read_catalogues())
    missing = {msgid: [str(s) for s in sites] for msgid, sites in report.missing.items()}
    assert not missing, missing
    assert not report.fstrings, [str(s) for s in report.fstrings]


def test_placeholders_survive_translation(checker: ModuleType) -> None:
    report = checker.check(checker.Extraction(), checker.read_catalogues())
    assert not report.placeholder_mismatches, report.placeholder_mismatches


def test_extractor_finds_literals_and_skips_computed(checker: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(
        "from protocol.i18n import _, ngettext\n"
        "from protocol import i18n\n"
        "a = _('plain')\n"
        "b = _('implicitly ' 'joined {n}')\n"
        "c = _('added ' + 'up')\n"
        "d = ngettext('{n} file', '{n} files', 2)\n"
        "e = i18n._('through the module')\n"
        "f = _(a)\n"
        "g = _('')\n"
        "h = _(f'order {a}')\n", encoding="utf-8")
    found = checker.extract(tmp_path, ["pkg"])
    assert set(found.msgids) == {"plain", "implicitly joined {n}", "added up", "{n} file", "{n} files",
                                 "through the module"}
    assert [s.line for s in found.dynamic] == [8]
    assert [s.line for s in found.fstrings] == [10]
    assert not checker.check(found, {"a.po": {m: m for m in found.msgids}}).ok  # the f-string alone fails
    assert [s.line for s in found.msgids["{n} file"]] == [6]


def test_missing_and_mismatched_are_reported(checker: ModuleType) -> None:
    extraction = checker.Extraction(msgids={"Order {order_id}": [checker.Site("x.py", 1)],
                                            "untranslated": [checker.Site("y.py", 2)]})
    report = checker.check(extraction, {"a.po": {"Order {order_id}": "订单 {order}"}})
    assert list(report.missing) == ["untranslated"]
    assert [(po, msgid) for po, msgid, *_rest in report.placeholder_mismatches] == [("a.po", "Order {order_id}")]
    assert not report.ok


def test_placeholders_compare_format_fields(checker: ModuleType) -> None:
    assert checker.placeholders("mean {value:.1f} below {threshold:.1f}") == {"value:.1f", "threshold:.1f"}
    assert checker.placeholders("0x{code:02X}") != checker.placeholders("0x{code}")
    assert checker.placeholders("no fields") == set()
    assert checker.placeholders("stray { brace") == set()
