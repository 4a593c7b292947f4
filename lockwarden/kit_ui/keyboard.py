"""An on-screen keyboard for the touchscreen (a password; the kit has no physical keyboard): returns the
typed text or None.

Like the keypad: every key three rows tall with a gutter for gloved fingers (about 11 mm on the 7" panel at
the kiosk's font size, docs/kit-ui.md), ten keys a row, and no key ever moves: Caps relabels the letters in
place, Show/Hide relabels itself. What is typed is shown as dots unless the locksmith taps Show."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from protocol.i18n import _

ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
LETTERS = "".join(ROWS[1:])


class KeyboardScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    KeyboardScreen { align: center middle; }
    KeyboardScreen > Vertical { width: 98; height: auto; border: thick $primary; background: $surface; padding: 0 1; }
    KeyboardScreen Grid { grid-size: 10; height: auto; }
    KeyboardScreen Grid Button { min-width: 4; }
    KeyboardScreen #kb-show { column-span: 2; }
    KeyboardScreen #kb-display { height: 1; text-style: bold; }
    """

    def __init__(self, prompt: str, *, max_len: int = 64) -> None:
        super().__init__()
        self.prompt = prompt
        self.max_len = max_len
        self.text = ""
        self.caps = False
        self.shown = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.prompt, classes="title")
            yield Static("", id="kb-display")
            with Grid():
                for ch in ROWS[0] + ROWS[1] + ROWS[2]:
                    yield Button(ch, id=f"kb-{ch}")
                yield Button("⌫", id="kb-back")
                yield Button(_("Caps"), id="kb-caps")
                for ch in ROWS[3]:
                    yield Button(ch, id=f"kb-{ch}")
                yield Button(_("Show"), id="kb-show")
            with Horizontal(classes="row"):
                yield Button(_("Enter"), id="kb-ok", variant="success")
                yield Button(_("Cancel"), id="kb-cancel", variant="error")

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        shown = self.text if self.shown else "•" * len(self.text)
        self.query_one("#kb-display", Static).update(shown or "_")
        self.query_one("#kb-show", Button).label = _("Hide") if self.shown else _("Show")
        caps = self.query_one("#kb-caps", Button)
        caps.variant = "primary" if self.caps else "default"
        for ch in LETTERS:
            self.query_one(f"#kb-{ch}", Button).label = ch.upper() if self.caps else ch

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        key = (event.button.id or "").removeprefix("kb-")
        if key == "ok":
            self.dismiss(self.text)
            return
        if key == "cancel":
            self.dismiss(None)
            return
        if key == "back":
            self.text = self.text[:-1]
        elif key == "caps":
            self.caps = not self.caps
        elif key == "show":
            self.shown = not self.shown
        elif len(key) == 1 and len(self.text) < self.max_len:
            self.text += key.upper() if self.caps else key
        self._show()
