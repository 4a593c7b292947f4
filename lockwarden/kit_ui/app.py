"""KitUI: the app object, its refresh timer and the glue to the kit service's listeners."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.css.query import NoMatches

from lockwarden.kit_ui.home import HomeScreen
from lockwarden.kit_ui.offer import OfferScreen
from protocol.i18n import _

CSS = """
Screen { padding: 0 1; }
Button { height: 3; min-width: 10; margin: 0 1 1 0; }
/* A button that does not apply now stays in place, plainly grey whatever its colour when live: a disabled
   orange "Log out" or blue "Current job" looked pressable on the panel. */
Button:disabled, Button.-primary:disabled, Button.-warning:disabled, Button.-error:disabled,
Button.-success:disabled {
    background: $panel; color: $text-disabled; border-top: tall $panel-lighten-1; border-bottom: tall $panel-darken-2;
    text-style: none; }
.big { height: 5; width: 100%; text-style: bold; }
.row .big { width: 1fr; }
.title { text-style: bold; height: auto; margin: 0 0 1 0; }
.line { height: auto; }
.message { height: auto; min-height: 2; color: $warning; margin: 1 0; }
.error { color: $error; }
.rec { height: auto; color: $error; text-style: bold; }
.countdown { text-style: bold; height: 3; content-align: center middle; width: 100%; background: $boost; }
.row { height: auto; }
#steps { width: 40%; }
#job-main { width: 60%; }
#steps Button { width: 100%; margin: 0; }
.keys Button { width: 1fr; height: 3; margin: 0 1 0 0; }
/* Keypad, keyboard and pattern keys: three rows each (the app's Button margin would leave them a border and
   no content: digits invisible), a gutter between them for gloved fingers. */
KeypadScreen Grid, PatternScreen Grid, KeyboardScreen Grid { grid-rows: 3; grid-gutter: 1 1; height: auto; }
KeypadScreen Grid Button, PatternScreen Grid Button, KeyboardScreen Grid Button {
    width: 100%; height: 3; margin: 0; text-style: bold; }
/* Enter and Cancel as wide as the keys above them, not the width of their word. */
KeypadScreen .row Button, KeyboardScreen .row Button, PatternScreen .row Button { width: 1fr; }
/* A locksmith's name and work number, five rows tall (the app's Button height would cut the number). */
LocksmithChooserScreen Grid Button { width: 100%; height: 5; margin: 0; text-style: bold; }
"""


class KitUI(App[None]):
    """The kit's touchscreen app. Listeners of the inbox and the flow run on other threads (the sync engine,
    step workers): they only raise a flag, and a timer on the UI thread redraws, so no widget is ever
    touched off the UI thread."""

    CSS = CSS
    TITLE = "Lockwarden"

    def __init__(self, service: Any) -> None:
        super().__init__()
        self.service = service
        self.dirty = True
        self.shown_offers: set[str] = set()
        service.offers.listeners.append(self._changed)
        if service.flow is not None:
            service.flow.observers.append(self._changed)

    def _changed(self, *_args: Any) -> None:
        self.dirty = True

    def on_mount(self) -> None:
        self.title = _("Lockwarden kit")
        self.push_screen(HomeScreen())
        self.set_interval(0.2, self._tick)

    def on_unmount(self) -> None:
        for listeners, fn in ((self.service.offers.listeners, self._changed),
                              (getattr(self.service.flow, "observers", []), self._changed)):
            if fn in listeners:
                listeners.remove(fn)

    def _tick(self) -> None:
        """Offers pop up over whatever is on screen; the visible screen redraws when something changed."""
        if not self.screen_stack:  # starting or shutting down: nothing to draw on
            return
        for offer in self.service.offers.open_offers():
            if offer.offer_id not in self.shown_offers:
                self.shown_offers.add(offer.offer_id)
                self.push_screen(OfferScreen(offer.offer_id))
                break
        screen = self.screen
        refresh = getattr(screen, "refresh_from_service", None)
        if refresh is None or not screen.is_mounted:
            return  # a screen just pushed draws itself on mount
        dirty, self.dirty = self.dirty, False
        try:
            refresh(dirty)
        except NoMatches:  # the screen is being composed or torn down; the next tick draws it
            self.dirty = self.dirty or dirty
