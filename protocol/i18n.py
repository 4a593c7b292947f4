"""gettext for every text a person reads. Simplified Chinese is the default on a kit in China.

Message ids are the English text. Translations live in `protocol/locale/<lang>/*.po`, one file per area
(`edge.po`, `hub.po`, `police.po`, ...) so parts of the system never edit each other's catalogue. They are
read directly at start-up (a small .po reader below), so installing needs no gettext tools and no
compiled .mo files can go stale.
"""

from __future__ import annotations

import ast
import gettext as _gettext
import os
from importlib.resources import files
from importlib.resources.abc import Traversable

# Package data, read through importlib.resources so an installed wheel finds it like a checkout does.
LOCALE_DIR: Traversable = files("protocol") / "locale"
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en")


class PoTranslations(_gettext.NullTranslations):
    def __init__(self, catalog: dict[str, str]) -> None:
        super().__init__()
        self._catalog = catalog

    def gettext(self, message: str) -> str:
        return self._catalog.get(message) or message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self.gettext(msgid1 if n == 1 else msgid2)


def read_po(path: Traversable) -> dict[str, str]:
    """msgid -> msgstr for every translated entry; fuzzy and empty entries are skipped."""
    catalog: dict[str, str] = {}
    msgid: list[str] = []
    msgstr: list[str] = []
    current: list[str] | None = None
    fuzzy = False

    def flush() -> None:
        nonlocal fuzzy
        if msgid and not fuzzy:
            key, value = "".join(msgid), "".join(msgstr)
            if key and value:
                catalog[key] = value
        msgid.clear()
        msgstr.clear()
        fuzzy = False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgid "):
            flush()
            current = msgid
            current.append(ast.literal_eval(line[6:]))
        elif line.startswith("msgstr "):
            current = msgstr
            current.append(ast.literal_eval(line[7:]))
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
        elif not line:
            current = None
    flush()
    return catalog


def load(lang: str) -> _gettext.NullTranslations:
    folder = LOCALE_DIR / lang
    if not folder.is_dir():
        return _gettext.NullTranslations()
    catalog: dict[str, str] = {}
    for po in sorted((p for p in folder.iterdir() if p.name.endswith(".po")), key=lambda p: p.name):
        catalog.update(read_po(po))
    return PoTranslations(catalog)


_translation: _gettext.NullTranslations = _gettext.NullTranslations()
_language = DEFAULT_LANGUAGE


def set_language(lang: str | None = None) -> str:
    """Select the catalogue: the argument, else LOCKWARDEN_LANG, else zh_CN."""
    global _translation, _language
    chosen = lang or os.environ.get("LOCKWARDEN_LANG") or DEFAULT_LANGUAGE
    _translation = load(chosen)
    _language = chosen
    return chosen


def language() -> str:
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


_msgids: dict[str, str] | None = None


def stored(text: str) -> str:
    """A message another process wrote in its own language and kept (a hub's reason for a transition,
    written when the hub ran in Chinese): shown in this reader's language when it is a catalogued
    message, in either language; anything else (an operator's own words) as it is."""
    global _msgids
    if _msgids is None:
        found: dict[str, str] = {}
        for lang in LANGUAGES:
            catalog = load(lang)
            if isinstance(catalog, PoTranslations):
                for msgid, msgstr in catalog._catalog.items():
                    found.setdefault(msgstr, msgid)
        _msgids = found
    return _(_msgids.get(text, text))


set_language()
