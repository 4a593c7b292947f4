"""Dispatch progress tab: the hub's kept history (`events.history`) then its live `lw/v1/ops/events` stream,
newest at the bottom."""

from __future__ import annotations

import json
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Log, Static

from lockwarden.console.fmt import event_line
from protocol.i18n import _


class EventsPane(Vertical):
    DEFAULT_CSS = """
    EventsPane > Log { height: 1fr; }
    EventsPane > Static { height: auto; color: $text-muted; }
    """
    MAX_LINES = 2000

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.lines: list[str] = []
        self._seen: set[str] = set()
        self.log_view = Log(max_lines=self.MAX_LINES, id="events-log")

    def compose(self) -> ComposeResult:
        yield Static(_("Live events from the hub: offers, acceptances, refusals, deadlines, warnings."))
        yield self.log_view

    @staticmethod
    def _key(body: dict[str, Any]) -> str:
        return json.dumps({k: v for k, v in body.items() if k != "seq"}, sort_keys=True, ensure_ascii=False)

    def load(self, history: list[dict[str, Any]]) -> None:
        """Replace what is shown by the hub's kept history (`events.history`): after a console start or a
        reconnect, so what happened while the console was away is there and nothing is shown twice."""
        self._seen = {self._key(e) for e in history}
        self.lines = [event_line(e) for e in history][-self.MAX_LINES:]
        self.log_view.clear()
        self.log_view.write_lines(self.lines)

    def add(self, events: list[dict[str, Any]]) -> None:
        fresh = [e for e in events if self._key(e) not in self._seen]
        self._seen.update(self._key(e) for e in fresh)
        if len(self._seen) > 4 * self.MAX_LINES:
            self._seen = {self._key(e) for e in fresh}
        new = [event_line(e) for e in fresh]
        self.lines = (self.lines + new)[-self.MAX_LINES:]
        self.log_view.write_lines(new)
