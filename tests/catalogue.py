"""The translation checker (scripts/check_translations.py) for tests: one msgid extractor for the whole
suite, whether a test checks every catalogue or one area's."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_translations", ROOT / "scripts" / "check_translations.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def msgids(*sources: str) -> set[str]:
    """Every literal msgid passed to `_()` / `ngettext()` in these folders or files (relative to the repo)."""
    return set(checker().extract(ROOT, sources).msgids)


def zh_catalogue() -> dict[str, str]:
    """Every Simplified Chinese catalogue merged, as the running program reads them: which area's file a
    msgid lives in is scripts/check_translations.py's concern, whether it is translated is this one's."""
    from protocol.i18n import LOCALE_DIR, read_po

    merged: dict[str, str] = {}
    for po in sorted((LOCALE_DIR / "zh_CN").iterdir(), key=lambda p: p.name):
        if po.name.endswith(".po"):
            merged.update(read_po(po))
    return merged
