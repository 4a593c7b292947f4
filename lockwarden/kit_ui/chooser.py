"""Who is logging in: on a kit shared by several locksmiths, a PIN, password or pattern says nothing about
whose it is (a fingerprint does), so the locksmith first touches their name. Returns the locksmith id or
None. Only locksmiths who have the chosen kind of login are listed; on a kit of one locksmith Home skips it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from protocol.i18n import _


@dataclass(frozen=True)
class Choice:
    locksmith_id: str
    name: str
    work_no: str = ""


class LocksmithChooser(ModalScreen[str | None]):
    DEFAULT_CSS = """
    LocksmithChooser { align: center middle; }
    LocksmithChooser > Vertical { width: 70; height: auto; max-height: 100%; border: thick $primary;
                                  background: $surface; padding: 0 1; }
    LocksmithChooser VerticalScroll { height: auto; max-height: 15; }
    LocksmithChooser VerticalScroll Button { width: 100%; height: 3; margin: 0 0 1 0; }
    """

    def __init__(self, choices: list[Choice]) -> None:
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Who is logging in?"), classes="title")
            with VerticalScroll():
                for i, c in enumerate(self.choices):  # ids by position: a locksmith id may not be a widget id
                    label = f"{c.name}  {c.work_no}" if c.work_no else c.name
                    yield Button(label, id=f"who-{i}", variant="primary")
            yield Button(_("Cancel"), id="who-cancel", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        bid = event.button.id or ""
        if bid.startswith("who-") and bid != "who-cancel":
            self.dismiss(self.choices[int(bid.removeprefix("who-"))].locksmith_id)
        else:
            self.dismiss(None)
