"""The always-visible line above the tabs: is the broker link up, since when, and how much needs attention."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.widgets import Static

from protocol.i18n import _, ngettext


class LinkState(Static):
    DEFAULT_CSS = """
    LinkState { height: 1; padding: 0 1; }
    """

    def __init__(self, **kw: Any) -> None:
        super().__init__("", **kw)
        self.connected: bool | None = None
        self.since = ""
        self.attention = 0

    def show_link(self, connected: bool) -> bool:
        """Record the link state; True when it changed (the app reloads what it may have missed)."""
        changed = connected != self.connected
        if changed:
            self.connected = connected
            self.since = datetime.now().strftime("%H:%M:%S")
            self._render_line()
        return changed

    def show_attention(self, n: int) -> None:
        if n != self.attention:
            self.attention = n
            self._render_line()

    def _render_line(self) -> None:
        line = Text()
        if self.connected:
            line.append(" ● " + _("Connected to the hub's broker") + " ", style="bold black on green")
        else:
            line.append(" ○ " + _("Broker lost: reconnecting by itself; actions wait until it is back") + " ",
                        style="bold white on dark_red")
        line.append("  " + _("since {time}").format(time=self.since))
        if self.attention:
            line.append("   ")
            line.append(" " + ngettext("{n} thing needs attention (key 0)", "{n} things need attention (key 0)",
                                       self.attention).format(n=self.attention) + " ", style="bold black on yellow")
        self.update(line)
