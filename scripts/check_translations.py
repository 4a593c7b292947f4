#!/usr/bin/env python3
"""Check the Simplified Chinese catalogues against the code.

Every literal msgid passed to `_()` or `ngettext()` in protocol, edge, hub and lockwarden must have a
translation in one of `protocol/locale/zh_CN/*.po`, and every translation must keep the `{placeholders}`
of its msgid (a lost or renamed one raises KeyError at `.format()` time, only in Chinese).

    python scripts/check_translations.py            # exit 1 and list the problems
    python scripts/check_translations.py --stubs    # the missing entries as .po stubs, per catalogue

The msgids are found with `ast`, so only literal arguments count (implicitly concatenated literals are
one constant to the parser; `"a" + "b"` is folded here too). Calls with a computed argument cannot be
checked and are listed with --dynamic, to be covered by a test of their own table.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import string
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("protocol", "edge", "hub", "lockwarden")
LANGUAGE = "zh_CN"
GETTEXT_FUNCTIONS = {"_": (0,), "ngettext": (0, 1)}  # function name -> positions of its msgid arguments
# Tables whose texts reach `_()` through a variable (the calls are "computed" to the extractor):
# module, attribute, and how to get the msgids out of it.
TABLES: tuple[tuple[str, str, Callable[[Any], Iterable[str]]], ...] = (
    ("protocol.labels", "RISK_REASONS", lambda table: table.values()),  # _(RISK_REASONS[code]): hub, console
    ("lockwarden.commands.police_open", "FILE_KINDS", lambda table: table.values()),  # what police-open opened
    ("protocol.messages.ops", "HUB_DOMAIN_OPS", lambda table: (summary for _body, summary in table.values())),
    ("protocol.messages.police", "POLICE_OPS", lambda table: (summary for _body, summary in table.values())),
    ("protocol.messages.notify", "NOTIFY_OPS", lambda table: (summary for _body, summary in table.values())),
    ("hub.notify.templates", "TEMPLATES", lambda table: (t.text for t in table.values())),
    ("lockwarden.demo.run", "ACTS", lambda acts: (title for title, _act in acts)),  # the demo's act headings
    ("lockwarden.demo.run", "CITY", lambda title: (title,)),
)

# Where a missing msgid belongs: the catalogue of the area its source is in (first matching prefix wins,
# so the more specific prefixes come first). Entries already translated elsewhere stay where they are.
CATALOGUE_OF = (
    ("edge/store/", "kit.po"),
    ("edge/sync/", "kit.po"),
    ("edge/offers.py", "kit.po"),
    ("edge/position.py", "kit.po"),
    ("edge/service.py", "kit.po"),
    ("edge/app.py", "kit.po"),
    ("edge/hardware/", "hardware.po"),
    ("edge/", "edge.po"),
    ("hub/ingest/", "hubcore.po"),
    ("hub/broker/", "broker.po"),
    ("hub/naming.py", "broker.po"),
    ("hub/revocation.py", "broker.po"),
    ("hub/service.py", "hubcore.po"),
    ("hub/wiring.py", "hubcore.po"),
    ("hub/evidence/tracker.py", "hubcore.po"),
    ("hub/home.py", "hubcore.po"),
    ("hub/provisioning.py", "hubcore.po"),
    ("hub/evidence/", "edge.po"),
    ("hub/police/", "police.po"),
    ("hub/police_feed.py", "police.po"),
    ("hub/forwarding/", "police.po"),
    ("hub/documents/", "police.po"),
    ("hub/risk/", "police.po"),
    ("hub/followup/", "police.po"),
    ("hub/", "hub.po"),
    ("protocol/regform.py", "edge.po"),
    ("protocol/messages/ops.py", "hub.po"),  # HUB_DOMAIN_OPS summaries, shown by `lockwarden ops --help`
    ("protocol/messages/police.py", "police.po"),
    ("protocol/", "protocol.po"),
    ("lockwarden/commands/kit.py", "edge.po"),  # tests/job/test_catalogue.py reads these from edge.po
    ("lockwarden/commands/ops.py", "hub.po"),  # and tests/hub/test_i18n.py these from hub.po
    ("lockwarden/commands/broker.py", "broker.po"),
    ("lockwarden/commands/bundle.py", "broker.po"),
    ("lockwarden/commands/provision.py", "broker.po"),
    ("lockwarden/commands/revoke.py", "broker.po"),
    ("lockwarden/", "lockwarden.po"),
)


@dataclass(frozen=True)
class Site:
    path: str  # relative to ROOT, with forward slashes
    line: int
    table: str = ""  # set for a msgid taken from a table (TABLES) rather than a call

    def __str__(self) -> str:
        return f"{self.path}:{self.table}" if self.table else f"{self.path}:{self.line}"


@dataclass
class Extraction:
    msgids: dict[str, list[Site]] = field(default_factory=dict)
    dynamic: list[Site] = field(default_factory=list)  # calls whose msgid is computed at run time
    fstrings: list[Site] = field(default_factory=list)  # _(f"...") can never match a catalogue entry


@dataclass
class Report:
    missing: dict[str, list[Site]]
    placeholder_mismatches: list[tuple[str, str, str, set[str], set[str]]]  # po file, msgid, msgstr, ...
    conflicts: list[tuple[str, list[tuple[str, str]]]]  # msgid, [(po file, msgstr)] that disagree
    fstrings: list[Site] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.placeholder_mismatches and not self.fstrings


def literal(node: ast.expr) -> str | None:
    """The string a literal argument evaluates to, or None if it is computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = literal(node.left), literal(node.right)
        if left is not None and right is not None:
            return left + right
    return None


def called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name) \
            and call.func.value.id == "i18n":
        return call.func.attr  # i18n._("...") after `from protocol import i18n`
    return None


def source_files(root: Path, packages: Iterable[str] = PACKAGES) -> Iterator[Path]:
    """The Python files of packages, folders or single files, relative to root."""
    for package in packages:
        path = root / package
        if path.is_file():
            yield path
        else:
            yield from sorted(p for p in path.rglob("*.py") if ".venv" not in p.parts)


def extract(root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> Extraction:
    out = Extraction()
    for path in source_files(root, packages):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            positions = GETTEXT_FUNCTIONS.get(called_name(node) or "")
            if positions is None or len(node.args) <= max(positions):
                continue
            for pos in positions:
                value = literal(node.args[pos])
                if isinstance(node.args[pos], ast.JoinedStr):
                    out.fstrings.append(Site(rel, node.lineno))
                elif value is None:
                    out.dynamic.append(Site(rel, node.lineno))
                elif value:
                    out.msgids.setdefault(value, []).append(Site(rel, node.lineno))
    return out


def extract_tables(out: Extraction, root: Path = ROOT) -> Extraction:
    """Add the msgids of TABLES (imported, so the values are exactly those the code passes to `_()`)."""
    sys.path.insert(0, str(root))
    for module_name, attribute, msgids in TABLES:
        module = importlib.import_module(module_name)
        rel = Path(module.__file__ or module_name).resolve().relative_to(root).as_posix()
        for msgid in msgids(getattr(module, attribute)):
            out.msgids.setdefault(msgid, []).append(Site(rel, 0, attribute))
    return out


def placeholders(text: str) -> set[str]:
    """The replacement fields of a str.format() template, e.g. {"order_id", "n:d"}; a text that is not a
    valid template (a stray brace) is compared by its brace groups instead."""
    try:
        return {
            name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "")
            for _lit, name, spec, conv in string.Formatter().parse(text)
            if name is not None
        }
    except ValueError:
        import re

        return set(re.findall(r"\{[^{}]*\}", text))


def read_catalogues(language: str = LANGUAGE) -> dict[str, dict[str, str]]:
    """po file name -> {msgid: msgstr}, with the reader the application itself uses."""
    sys.path.insert(0, str(ROOT))
    from protocol.i18n import LOCALE_DIR, read_po

    return {po.name: read_po(po) for po in sorted((LOCALE_DIR / language).glob("*.po"))}


def check(extraction: Extraction, catalogues: dict[str, dict[str, str]]) -> Report:
    translated: dict[str, list[tuple[str, str]]] = {}
    for po, catalog in catalogues.items():
        for msgid, msgstr in catalog.items():
            translated.setdefault(msgid, []).append((po, msgstr))
    missing = {m: sites for m, sites in sorted(extraction.msgids.items()) if m not in translated}
    mismatches = []
    for msgid, entries in sorted(translated.items()):
        want = placeholders(msgid)
        for po, msgstr in entries:
            got = placeholders(msgstr)
            if got != want:
                mismatches.append((po, msgid, msgstr, want, got))
    conflicts = [(m, e) for m, e in sorted(translated.items()) if len({s for _po, s in e}) > 1]
    return Report(missing, mismatches, conflicts, list(extraction.fstrings))


def catalogue_for(path: str) -> str:
    for prefix, po in CATALOGUE_OF:
        if path == prefix or path.startswith(prefix):
            return po
    return "protocol.po"


def po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def stubs(missing: dict[str, list[Site]]) -> str:
    by_po: dict[str, list[str]] = {}
    for msgid, sites in missing.items():
        po = catalogue_for(sites[0].path)
        refs = " ".join(str(s) for s in sites)
        by_po.setdefault(po, []).append(f"#: {refs}\nmsgid {po_quote(msgid)}\nmsgstr \"\"\n")
    return "\n".join(f"### {po}\n" + "\n".join(entries) for po, entries in sorted(by_po.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stubs", action="store_true", help="print the missing entries as .po stubs")
    parser.add_argument("--dynamic", action="store_true", help="list calls whose msgid is not a literal")
    args = parser.parse_args(argv)

    extraction = extract_tables(extract())
    report = check(extraction, read_catalogues())
    if args.stubs:
        print(stubs(report.missing))
        return 0
    if args.dynamic:
        for site in extraction.dynamic:
            print(f"{site}: computed msgid (not checked)")
    for msgid, sites in report.missing.items():
        print(f"{sites[0]}: no {LANGUAGE} translation for {msgid!r} (goes in {catalogue_for(sites[0].path)})")
    for site in report.fstrings:
        print(f"{site}: an f-string passed to _() is never found in a catalogue; use _(\"... {{name}}\").format()")
    for po, msgid, msgstr, want, got in report.placeholder_mismatches:
        print(f"{po}: placeholders {sorted(got)} in {msgstr!r} differ from {sorted(want)} in {msgid!r}")
    for msgid, entries in report.conflicts:
        print(f"warning: {msgid!r} is translated differently in " + ", ".join(po for po, _s in entries))
    print(f"{len(extraction.msgids)} msgids, {len(report.missing)} untranslated, "
          f"{len(report.placeholder_mismatches)} placeholder mismatches", file=sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
