"""Dispatch progress tab: the hub's kept history (`events.history`) then its live `lw/v1/ops/events` stream,
newest at the bottom."""

from __future__ import annotations

import json
from typing import Any

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Log, Static

from lockwarden.console.fmt import event_line
from protocol.i18n import _


class EventLog(Log):
    """Textual's Log measures new lines' width in a thread worker, which raises NoActiveAppError when the
    console closes while one is still running (seen as a crash on exit under load). The history is a few
    lines at a time, so they are measured here, on the app's own thread."""

    def _update_size(self, updates: int, lines: list[str]) -> None:  # type: ignore[override]
        if lines:
            self._update_maximum_width(updates, max(cell_len(self._process_line(line)) for line in lines))


class EventsPane(Vertical):
    DEFAULT_CSS = """
    EventsPane > EventLog { height: 1fr; }
    EventsPane > Static { height: auto; color: $text-muted; }
    """
    MAX_LINES = 2000

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.lines: list[str] = []
        self._seen: set[str] = set()
        self.numbers: dict[str, int] = {}  # order id -> short number (the app keeps it current)
        self.bodies: list[dict[str, Any]] = []
        self._unnumbered: set[str] = set()  # orders shown by id because their number was not known yet
        self.log_view = EventLog(max_lines=self.MAX_LINES, id="events-log")

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
        self.bodies = list(history)[-self.MAX_LINES:]
        self._render_all()

    def _render_all(self) -> None:
        self.lines = [self._line(e) for e in self.bodies]
        self.log_view.clear()
        self.log_view.write_lines(self.lines)

    def _line(self, body: dict[str, Any]) -> str:
        order = body.get("order_id")
        if order and str(order) not in self.numbers:
            self._unnumbered.add(str(order))
        return event_line(body, self.numbers)

    def renumber(self) -> None:
        """Once the orders list has given numbers to orders shown by id, show them by number."""
        if self._unnumbered & set(self.numbers):
            self._unnumbered.clear()
            self._render_all()

    def add(self, events: list[dict[str, Any]]) -> None:
        fresh = [e for e in events if self._key(e) not in self._seen]
        self._seen.update(self._key(e) for e in fresh)
        if len(self._seen) > 4 * self.MAX_LINES:
            self._seen = {self._key(e) for e in fresh}
        self.bodies = (self.bodies + fresh)[-self.MAX_LINES:]
        new = [self._line(e) for e in fresh]
        self.lines = (self.lines + new)[-self.MAX_LINES:]
        self.log_view.write_lines(new)
