"""A numeric keypad for the touchscreen (service code, PIN, fee, ID number): returns the typed text or None."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from protocol.i18n import _


class KeypadScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    KeypadScreen { align: center middle; }
    KeypadScreen > Vertical { width: 60; height: auto; border: thick $primary; background: $surface; padding: 0 1; }
    KeypadScreen Grid { grid-size: 3; grid-gutter: 0 1; height: auto; }
    KeypadScreen Grid Button { width: 100%; margin: 0; }
    KeypadScreen #display { height: 1; text-style: bold; }
    """

    # A keyboard (the terminal kit UI, a USB keypad) types into the field like the on-screen keys, and Enter
    # always submits: priority bindings, else Enter would press whichever key has focus (typing "1" again).
    BINDINGS = [
        Binding("enter", "key('ok')", show=False, priority=True),
        Binding("escape", "key('cancel')", show=False, priority=True),
        Binding("backspace", "key('back')", show=False, priority=True),
    ]

    def __init__(self, prompt: str, *, secret: bool = False, decimal: bool = False, max_len: int = 12,
                 x_key: bool = False) -> None:
        super().__init__()
        self.prompt = prompt
        self.secret = secret
        self.decimal = decimal
        self.max_len = max_len
        self.x_key = x_key  # an "X" key where "." is: the last character of a resident ID number
        self.text = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.prompt, classes="title")
            yield Static("", id="display")
            with Grid():
                for key in "123456789":
                    yield Button(key, id=f"key-{key}")
                if self.x_key:
                    yield Button("X", id="key-x")
                else:
                    yield Button(".", id="key-dot", disabled=not self.decimal)
                yield Button("0", id="key-0")
                yield Button("⌫", id="key-back")
            with Horizontal(classes="row"):
                yield Button(_("Enter"), id="key-ok", variant="success")
                yield Button(_("Cancel"), id="key-cancel", variant="error")

    def _show(self) -> None:
        shown = "•" * len(self.text) if self.secret else self.text
        self.query_one("#display", Static).update(shown or "_")

    def on_mount(self) -> None:
        self._show()

    def on_key(self, event: events.Key) -> None:
        typed = (event.character or "").upper()
        key = {".": "dot", "X": "x" if self.x_key else ""}.get(typed, typed)
        if key in {"dot", "x"} or (len(key) == 1 and key.isdigit()):
            event.stop()
            event.prevent_default()
            self.action_key(key)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_key((event.button.id or "").removeprefix("key-"))

    def action_key(self, key: str) -> None:
        """One key of the keypad, pressed on the screen or typed."""
        if key == "dot" and not self.decimal:
            return
        if key == "ok":
            self.dismiss(self.text)
        elif key == "cancel":
            self.dismiss(None)
        elif key == "back":
            self.text = self.text[:-1]
        elif key == "dot":
            if "." not in self.text:
                self.text = (self.text or "0") + "."
        elif len(self.text) < self.max_len:
            self.text += key.upper()
        self._show()
