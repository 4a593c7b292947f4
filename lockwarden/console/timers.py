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

    def columns(self) -> list[str]:
        return [_("Due"), _("Kind"), _("Order"), _("Key")]

    def rows(self, result: Any) -> list[tuple[Any, ...]]:
        return [(when(t.get("due_ms")), kind_label(str(t.get("kind", ""))), _order_of(t.get("payload_json")), t.get("key", ""))
                for t in result or []]

    def summary(self, result: Any, rows: list[tuple[Any, ...]]) -> str:
        return ngettext("{n} pending timer", "{n} pending timers", len(rows)).format(n=len(rows))
