"""Logging in without a finger on a shared kit: who, then how.

A fingerprint says by itself who it is (the sensor searches every enrolled finger); a PIN, password or
pattern does not, so the locksmith first taps their name among the kit's locksmiths (job.toml's order: the
names keep their places), then one of the methods they have set up. A method they have not set up is
greyed, never removed, so the buttons never move. A kit with one locksmith skips the names."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from protocol.i18n import _

METHODS = ("pin", "password", "pattern")
_HASH = {"pin": "pin_hash", "password": "password_hash", "pattern": "pattern_hash"}


def secret_methods(profile: Any) -> set[str]:
    """The methods besides the fingerprint this locksmith has set up (a hash in job.toml; over the kit link
    the hash is only "*")."""
    return {m for m in METHODS if getattr(profile, _HASH[m], "")}


def method_label(method: str) -> str:
    return {"pin": _("PIN"), "password": _("Password"), "pattern": _("Pattern")}[method]


class LocksmithChooserScreen(ModalScreen[str | None]):
    """Who is logging in: one big button per locksmith of the kit; returns the locksmith id or None."""

    DEFAULT_CSS = """
    LocksmithChooserScreen { align: center middle; }
    LocksmithChooserScreen > Vertical { width: 98; height: auto; max-height: 100%; border: thick $primary;
                                        background: $surface; padding: 0 1; }
    LocksmithChooserScreen VerticalScroll { height: auto; max-height: 17; }
    LocksmithChooserScreen Grid { grid-size: 3; grid-rows: 5; grid-gutter: 1 1; height: auto; }
    """

    def __init__(self, profiles: list[Any]) -> None:
        super().__init__()
        self.profiles = profiles

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Who is logging in? Tap your name"), classes="title")
            with VerticalScroll(), Grid():
                for n, p in enumerate(self.profiles):
                    yield Button(f"{p.name}\n{p.work_no}", id=f"who-{n}")
            with Horizontal(classes="row"):
                yield Button(_("Cancel"), id="who-cancel", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        bid = event.button.id or ""
        if bid.startswith("who-") and bid != "who-cancel":
            self.dismiss(self.profiles[int(bid.removeprefix("who-"))].locksmith_id)
        else:
            self.dismiss(None)


class LoginMethodScreen(ModalScreen[str | None]):
    """How the chosen locksmith logs in: PIN, Password, Pattern (greyed when not set up); returns the method
    or None."""

    DEFAULT_CSS = """
    LoginMethodScreen { align: center middle; }
    LoginMethodScreen > Vertical { width: 98; height: auto; border: thick $primary; background: $surface;
                                   padding: 0 1; }
    """

    def __init__(self, profile: Any) -> None:
        super().__init__()
        self.profile = profile
        self.methods = secret_methods(profile)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("{name}: log in by").format(name=self.profile.name), classes="title")
            with Horizontal(classes="row"):
                for m in METHODS:
                    yield Button(method_label(m), id=f"method-{m}", classes="big", variant="primary",
                                 disabled=m not in self.methods)
            yield Static(_("Greyed: not set up for you on this kit (the installer sets it up)")
                         if len(self.methods) < len(METHODS) else "", id="method-hint", classes="line")
            with Horizontal(classes="row"):
                yield Button(_("Cancel"), id="method-cancel", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        bid = event.button.id or ""
        self.dismiss(None if bid == "method-cancel" else bid.removeprefix("method-"))
