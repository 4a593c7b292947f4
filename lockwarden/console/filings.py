"""Filings tab: the units (R-1) and locksmiths (R-2) on file, from the read-only `registry.export`."""

from __future__ import annotations

import csv
import io
from typing import Any

from lockwarden.console.actions import Ask
from lockwarden.console.listpane import ListPane
from protocol.i18n import _, ngettext


def status_label(status: str) -> str:
    return {"operating": _("operating"), "suspended": _("suspended"), "closed": _("closed"),
            "changed": _("changed"), "on_duty": _("on duty"), "left": _("left")}.get(status, status)


def grade_label(grade: str) -> str:
    return {"junior": _("junior"), "intermediate": _("intermediate"), "senior": _("senior"),
            "special": _("special")}.get(grade, grade)


def _rows(csv_text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_text)))


class FilingsPane(ListPane):
    op = "registry.export"

    async def fetch(self, ask: Ask) -> dict[str, Any]:
        got: dict[str, list[dict[str, str]]] = {}
        for kind in ("units", "locksmiths"):
            resp = await ask(self.op, {"kind": kind})
            if not resp.get("ok"):
                return resp
            got[kind] = _rows(str((resp.get("result") or {}).get("csv", "")))
        return {"ok": True, "result": got}

    def columns(self) -> list[str]:
        return [_("Kind"), _("Name"), _("Status"), _("Unit"), _("Grade"), _("Mobile"), _("Filing receipt"),
                _("Scope")]

    def rows(self, result: Any) -> list[tuple[Any, ...]]:
        units = {u["id"]: u for u in (result or {}).get("units", [])}
        out: list[tuple[Any, ...]] = [(_("unit"), u["name"], status_label(u["status"]), u["uscc"], "", "",
                                       u["filing_receipt_no"], "") for u in units.values()]
        for ls in (result or {}).get("locksmiths", []):
            unit = units.get(ls["unit_id"], {}).get("name", ls["unit_id"])
            out.append((_("locksmith"), ls["name"], status_label(ls["status"]), unit, grade_label(ls["grade"]),
                        ls["mobile"], ls["filing_receipt_no"], ls["scope"]))
        return out

    def summary(self, result: Any, rows: list[tuple[Any, ...]]) -> str:
        n_units = len((result or {}).get("units", []))
        n_smiths = len((result or {}).get("locksmiths", []))
        return (ngettext("{n} unit", "{n} units", n_units).format(n=n_units) + "  "
                + ngettext("{n} locksmith", "{n} locksmiths", n_smiths).format(n=n_smiths))
