"""Warnings tab: the hub's current red / yellow / blue risk warnings (R-12), each with its reasons."""

from __future__ import annotations

from typing import Any

from textual.coordinate import Coordinate

from lockwarden.console.fmt import mask_id, when
from lockwarden.console.listpane import ListPane
from protocol import labels
from protocol.i18n import _, ngettext


def level_label(level: str) -> str:
    return labels.label(labels.WARNING_LEVELS, level)


def reason_text(reason: Any) -> str:
    return labels.risk_reason(reason)


class WarningsPane(ListPane):
    op = "risk.list"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.shown: list[dict[str, Any]] = []  # the warnings in table order
        self.opened: dict[str, str] = {}  # customer subject id -> the whole number the hub gave (logged there)

    def current(self) -> dict[str, Any] | None:
        row = self.table.cursor_row
        return self.shown[row] if self.shown and 0 <= row < len(self.shown) else None

    def reveal(self, subject_id: str, number: str) -> None:
        self.opened[subject_id] = number
        for i, w in enumerate(self.shown):
            if w.get("subject_id") == subject_id:
                self.table.update_cell_at(Coordinate(i, 2), number)

    def columns(self) -> list[str]:
        return [_("Level"), _("Subject"), _("Who"), _("Score"), _("Reasons"), _("Updated")]

    def rows(self, result: Any) -> list[tuple[Any, ...]]:
        out = []
        self.shown = []
        for w in (result or {}).get("warnings", []):
            if w.get("level") == "none":
                continue
            self.shown.append(w)
            reasons = _("; ").join(reason_text(r) for r in w.get("reasons") or [])
            subject = _("customer") if w.get("subject") == "customer" else _("locksmith")
            # a customer by his ID number, masked unless opened; a locksmith by his filed name
            who = (self.opened.get(w.get("subject_id", "")) or mask_id(w.get("subject_id"))) \
                if w.get("subject") == "customer" else w.get("subject_name") or str(w.get("subject_id", ""))[-8:]
            out.append((level_label(str(w.get("level"))), subject, who,
                        f"{float(w.get('score') or 0):.2f}", reasons, when(w.get("updated_ms"))))
        return out

    def summary(self, result: Any, rows: list[tuple[Any, ...]]) -> str:
        return ngettext("{n} warning", "{n} warnings", len(rows)).format(n=len(rows))
