"""Needs-attention tab: what the hub says a person must act on now (`attention.list`), worst first, each
line coloured by its urgency so a red warning or an unassigned order is seen across the room."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from lockwarden.console.fmt import hub_text, mask_id, when
from lockwarden.console.listpane import ListPane
from protocol import labels
from protocol.i18n import _, ngettext


def kind_label(kind: str) -> str:
    return {
        "order.unassigned": _("Order unassigned: nobody took it"),
        "offer.last_chance": _("Offer expiring, nobody left to offer"),
        "order.arrival_missed": _("Locksmith late: arrival deadline missed"),
        "warning.red": _("Red warning"),
        "documents.overdue": _("Documents overdue"),
        "timer.failed": _("Deadline failed to run"),
        "kit.offline_backlog": _("Kit offline with evidence not uploaded"),
        "quarantine.growth": _("Messages quarantined in the last hour"),
    }.get(kind, kind)


def _style(urgency: int) -> str:
    return "bold white on dark_red" if urgency >= 80 else "bold black on yellow" if urgency >= 60 else "bold"


def subject_text(item: dict[str, Any], numbers: dict[str, int]) -> str:
    """Who or what the item is about, by name and short number, ID numbers masked."""
    kind = item.get("kind")
    order = item.get("order_id")
    parts = []
    if order:
        parts.append(_("order No. {n}").format(n=numbers[order]) if order in numbers else str(order)[-8:])
    if kind == "warning.red":
        if item.get("subject") == "customer":
            parts.append(f"{_('customer')} {mask_id(item.get('subject_id'))}")
        else:  # his name follows (`locksmith`), or, unknown to the registry, the end of his id
            parts.append(_("locksmith") if item.get("locksmith") else
                         f"{_('locksmith')} {str(item.get('subject_id', ''))[-8:]}")
    if item.get("customer"):
        parts.append(str(item["customer"]))
    if item.get("locksmith"):
        parts.append(str(item["locksmith"]))
    if item.get("kit_id"):
        parts.append(_("kit {kit}").format(kit=item["kit_id"]))
    return "  ".join(parts)


def detail_text(item: dict[str, Any]) -> str:
    kind = item.get("kind")
    if kind == "kit.offline_backlog":
        return _("{records} records, {files} files waiting").format(records=item.get("records", 0),
                                                                    files=item.get("files", 0))
    if kind == "quarantine.growth":
        return _("{count} new, {total} kept in all").format(count=item.get("count", 0), total=item.get("total", 0))
    if kind == "offer.last_chance":
        return _("expires {at}").format(at=when(item.get("due_ms")))
    if kind == "warning.red":
        return _("; ").join(labels.risk_reason(r) for r in item.get("reasons") or [])
    if kind == "timer.failed":
        return _("{timer}: {error}").format(timer=labels.label(labels.TIMER_KINDS, item.get("timer")),
                                            error=item.get("detail", ""))
    return hub_text(item["detail"]) if item.get("detail") else ""


class AttentionPane(ListPane):
    op = "attention.list"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.items: list[dict[str, Any]] = []
        self.numbers: dict[str, int] = {}  # order id -> short number, from the orders list

    def current(self) -> dict[str, Any] | None:
        """The item under the cursor (None when the list is empty)."""
        row = self.table.cursor_row
        return self.items[row] if self.items and 0 <= row < len(self.items) else None

    def columns(self) -> list[str]:
        return [_("What"), _("About"), _("Since"), _("Detail")]

    def rows(self, result: Any) -> list[tuple[Any, ...]]:
        self.items = list(result or [])
        out = []
        for item in self.items:
            style = _style(int(item.get("urgency") or 0))
            out.append((Text(kind_label(str(item.get("kind"))), style=style), subject_text(item, self.numbers),
                        when(item.get("since_ms")), detail_text(item)))
        return out

    def summary(self, result: Any, rows: list[tuple[Any, ...]]) -> str:
        if not rows:
            return _("Nothing needs attention.")
        return ngettext("{n} thing needs attention, most urgent first", "{n} things need attention, most urgent first",
                        len(rows)).format(n=len(rows))
