"""An on-screen keyboard for the password login: the kit's panel has no physical keyboard, only touch.

Four rows of big keys (digits, then letters in the QWERTY order every phone has), a Shift key for capitals
and a symbols page; what is typed is shown as dots. Returns the text or None."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from protocol.i18n import _

LETTERS = ("1234567890", "qwertyuiop", "asdfghjkl-", "zxcvbnm.@_")
SYMBOLS = ("1234567890", "!#$%&*+=?/", "()[]{}<>:;", "~^'\",|\\`.@")


class KeyboardScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    KeyboardScreen { align: center middle; }
    KeyboardScreen > Vertical { width: 100%; height: auto; border: thick $primary; background: $surface;
                                padding: 0 1; }
    KeyboardScreen #kb-display { height: 1; text-style: bold; }
    """  # the keys' sizes are in the app's CSS (lockwarden/kit_ui/app.py), which outranks a DEFAULT_CSS

    def __init__(self, prompt: str, *, secret: bool = True, max_len: int = 64) -> None:
        super().__init__()
        self.prompt = prompt
        self.secret = secret
        self.max_len = max_len
        self.text = ""
        self.shift = False
        self.symbols = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.prompt, classes="title")
            yield Static("_", id="kb-display")
            with Grid():
                for r, row in enumerate(LETTERS):  # ten keys a row; each key's label follows the page
                    for c, ch in enumerate(row):
                        yield Button(ch, id=f"kb-{r}-{c}")
            with Horizontal(classes="row"):
                yield Button("⇧", id="kb-shift")
                yield Button("#+=", id="kb-symbols")
                yield Button("⌫", id="kb-back")
                yield Button(_("Enter"), id="kb-ok", variant="success")
                yield Button(_("Cancel"), id="kb-cancel", variant="error")

    def on_mount(self) -> None:
        self._show()

    def _key(self, r: int, c: int) -> str:
        ch = (SYMBOLS if self.symbols else LETTERS)[r][c]
        return ch.upper() if self.shift and not self.symbols else ch

    def _show(self) -> None:
        shown = "•" * len(self.text) if self.secret else self.text
        self.query_one("#kb-display", Static).update(shown or "_")
        for r, row in enumerate(LETTERS):
            for c in range(len(row)):
                self.query_one(f"#kb-{r}-{c}", Button).label = self._key(r, c)
        self.query_one("#kb-shift", Button).variant = "primary" if self.shift else "default"
        self.query_one("#kb-shift", Button).disabled = self.symbols
        self.query_one("#kb-symbols", Button).label = "abc" if self.symbols else "#+="

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        bid = event.button.id or ""
        if bid == "kb-ok":
            self.dismiss(self.text)
            return
        if bid == "kb-cancel":
            self.dismiss(None)
            return
        if bid == "kb-back":
            self.text = self.text[:-1]
        elif bid == "kb-shift":
            self.shift = not self.shift
        elif bid == "kb-symbols":
            self.symbols = not self.symbols
        elif bid.startswith("kb-") and len(self.text) < self.max_len:
            r, c = (int(n) for n in bid.removeprefix("kb-").split("-"))
            self.text += self._key(r, c)
            self.shift = False  # one capital, as on a phone
        self._show()
