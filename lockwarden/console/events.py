"""Dispatch progress tab: the hub's live `lw/v1/ops/events` stream, newest at the bottom."""

from __future__ import annotations

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
        self.log_view = Log(max_lines=self.MAX_LINES, id="events-log")

    def compose(self) -> ComposeResult:
        yield Static(_("Live events from the hub: offers, acceptances, refusals, deadlines, warnings."))
        yield self.log_view

    def add(self, events: list[dict[str, Any]]) -> None:
        new = [event_line(e) for e in events]
        self.lines = (self.lines + new)[-self.MAX_LINES:]
        self.log_view.write_lines(new)
