"""The touchscreen pattern: nine big dots (1..9, row by row) touched in order; returns the dots or None.

A pattern is a login for gloved hands where a fingerprint cannot be read; it is checked in the service
against the salted hash in job.toml like the PIN (edge/job/pin.py)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from protocol.i18n import _


class PatternScreen(ModalScreen[list[int] | None]):
    DEFAULT_CSS = """
    PatternScreen { align: center middle; }
    PatternScreen > Vertical { width: 64; height: auto; border: thick $primary; background: $surface; padding: 0 1; }
    PatternScreen Grid { grid-size: 3; grid-gutter: 0 1; height: auto; }
    PatternScreen Grid Button { width: 100%; height: 3; margin: 0; }
    PatternScreen #pattern-shown { height: 1; text-style: bold; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.dots: list[int] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Touch your pattern, dot by dot"), classes="title")
            yield Static("", id="pattern-shown")
            with Grid():
                for dot in range(1, 10):
                    yield Button("●", id=f"dot-{dot}")
            with Horizontal(classes="row"):
                yield Button(_("Enter"), id="pattern-ok", variant="success")
                yield Button(_("Start again"), id="pattern-clear")
                yield Button(_("Cancel"), id="pattern-cancel", variant="error")

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        self.query_one("#pattern-shown", Static).update(
            _("{n} dots touched").format(n=len(self.dots)) if self.dots else "_")
        for dot in range(1, 10):
            b = self.query_one(f"#dot-{dot}", Button)
            b.label = str(self.dots.index(dot) + 1) if dot in self.dots else "●"
            b.variant = "primary" if dot in self.dots else "default"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        bid = event.button.id or ""
        if bid == "pattern-ok":
            self.dismiss(list(self.dots))
        elif bid == "pattern-cancel":
            self.dismiss(None)
        elif bid == "pattern-clear":
            self.dots = []
        elif bid.startswith("dot-"):
            dot = int(bid.removeprefix("dot-"))
            if dot not in self.dots:
                self.dots.append(dot)
        self._show()
