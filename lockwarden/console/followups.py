"""Follow-ups tab: open R-13 follow-up tasks, overdue first (the hub sorts them)."""

from __future__ import annotations

from typing import Any

from lockwarden.console.fmt import when
from lockwarden.console.listpane import ListPane
from protocol.i18n import _, ngettext


class FollowupsPane(ListPane):
    op = "followup.list"

    def columns(self) -> list[str]:
        return [_("Overdue"), _("Order"), _("Customer"), _("Locksmith"), _("Completed"), _("Due"), _("Latest")]

    def rows(self, result: Any) -> list[tuple[Any, ...]]:
        return [(_("OVERDUE") if t.get("overdue") else "", t.get("order_id", ""), t.get("customer_id", ""),
                 t.get("locksmith_id", ""), when(t.get("completed_ms")), when(t.get("due_ms")),
                 when(t.get("overdue_ms"))) for t in (result or {}).get("tasks", [])]

    def summary(self, result: Any, rows: list[tuple[Any, ...]]) -> str:
        overdue = sum(1 for r in rows if r[0])
        return ngettext("{n} open follow-up", "{n} open follow-ups", len(rows)).format(n=len(rows)) + \
            "  " + _("{n} overdue").format(n=overdue)
