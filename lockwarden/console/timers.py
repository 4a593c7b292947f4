"""Deadlines tab: the hub's pending durable timers (offers, documents, follow-ups), earliest first."""

from __future__ import annotations

import json
from typing import Any

from lockwarden.console.fmt import when
from lockwarden.console.listpane import ListPane
from protocol import labels
from protocol.i18n import _, ngettext


def _order_of(payload_json: Any) -> str:
    try:
        payload = json.loads(payload_json or "{}")
    except (TypeError, ValueError):
        return ""
    return str(payload.get("order_id", "")) if isinstance(payload, dict) else ""


def kind_label(kind: str) -> str:
    return labels.label(labels.TIMER_KINDS, kind)


class TimersPane(ListPane):
    op = "timers.list"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.numbers: dict[str, int] = {}  # order id -> short number (the app's map)

    def columns(self) -> list[str]:
        return [_("Due"), _("Kind"), _("Order")]

    def _order(self, payload_json: Any) -> str:
        order = _order_of(payload_json)
        number = self.numbers.get(order)
        return _("order No. {n}").format(n=number) if number else order[-8:]

    def rows(self, result: Any) -> list[tuple[Any, ...]]:
        return [(when(t.get("due_ms")), kind_label(str(t.get("kind", ""))), self._order(t.get("payload_json")))
                for t in result or []]

    def summary(self, result: Any, rows: list[tuple[Any, ...]]) -> str:
        return ngettext("{n} pending timer", "{n} pending timers", len(rows)).format(n=len(rows))
