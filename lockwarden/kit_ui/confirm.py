"""Yes/No questions to the customer or the locksmith: the consent text (PIPL) and the payment received."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool | None]):
    """Shows `text`; returns True (yes), False (no) or None (back)."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 80%; height: auto; border: thick $primary; background: $surface; padding: 1; }
    """

    def __init__(self, title: str, text: str, yes: str, no: str | None, back: str) -> None:
        super().__init__()
        self.title_text, self.text, self.yes, self.no, self.back = title, text, yes, no, back

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title")
            yield Static(self.text, id="confirm-text", classes="line")
            with Horizontal(classes="row"):
                yield Button(self.yes, id="confirm-yes", variant="success", classes="big")
                if self.no:
                    yield Button(self.no, id="confirm-no", variant="error", classes="big")
            yield Button(self.back, id="confirm-back")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss({"confirm-yes": True, "confirm-no": False}.get(event.button.id or ""))
