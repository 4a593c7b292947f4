"""Home: is the kit online, how much waits to be sent, who is logged in (log in and out here: login first,
offers are shown only to a logged-in locksmith), the current job."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from edge.job.steps import describe
from lockwarden.kit_ui.base import KitScreen
from lockwarden.kit_ui.model import current_job, short_order, sync_lines
from lockwarden.kit_ui.notices import step_outcome
from protocol.i18n import _


def login_for(flow: Any, method: str) -> str | None:
    """The locksmith a PIN or pattern login is for: the kit's first locksmith who has one (a kit is carried
    by one locksmith; the fingerprint says who it is by itself)."""
    attr = {"pin": "pin_hash", "pattern": "pattern_hash"}[method]
    return next((p.locksmith_id for p in flow.locksmiths.values() if getattr(p, attr)), None)


class HomeScreen(KitScreen):
    def __init__(self) -> None:
        super().__init__()
        self.busy = False
        self._methods: dict[str, str | None] | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Lockwarden kit"), classes="title")
            yield Static("", id="sync", classes="line")
            yield Static("", id="backlog", classes="line")
            yield Static("", id="session", classes="line")
            with Horizontal(classes="row"):
                yield Button(_("Log in by fingerprint"), id="login-fp", variant="primary")
                yield Button(_("PIN"), id="login-pin")
                yield Button(_("Pattern"), id="login-pattern")
                yield Button(_("Log out"), id="logout", variant="warning")
            yield Static("", id="job", classes="message")
            yield Button(_("Current job"), id="go-job", variant="primary", classes="big")
            with Horizontal(classes="row"):
                yield Button(_("Offers"), id="go-offers")
                yield Button(_("Evidence"), id="go-evidence")

    def methods(self) -> dict[str, str | None]:
        flow = self.service.flow
        if self._methods is None:
            self._methods = {m: login_for(flow, m) if flow is not None else None for m in ("pin", "pattern")}
        return self._methods

    def draw(self, dirty: bool) -> None:
        service = self.service
        online, records, files = sync_lines(service)
        self.query_one("#sync", Static).update(
            _("Online: connected to the hub") if online
            else _("Offline: everything is kept on the kit and sent when the network is back"))
        self.query_one("#backlog", Static).update(
            _("Waiting to be sent: {records} records, {files} files").format(records=records, files=files))
        flow = service.flow
        session = flow.session() if flow is not None else None
        if session is None:
            who = _("Nobody is logged in: log in to see offers and work on jobs")
        else:
            profile = flow.locksmiths.get(session.locksmith_id)
            who = _("Logged in: {name}").format(name=profile.name if profile else session.locksmith_id)
        self.query_one("#session", Static).update(who)
        can_login = flow is not None and session is None and not self.busy
        self.query_one("#login-fp", Button).disabled = not can_login
        self.query_one("#login-pin", Button).disabled = not can_login or self.methods()["pin"] is None
        self.query_one("#login-pattern", Button).disabled = not can_login or self.methods()["pattern"] is None
        self.query_one("#logout", Button).disabled = session is None or self.busy
        view = current_job(flow)
        if flow is None:
            text = _("This kit has no hardware configured: it only stores and forwards")
        elif view is None:
            text = _("No job on this kit")
        else:
            text = _("Order {order_no} at {site}: {step}").format(
                order_no=short_order(view.order_id), site=view.order.site_address, step=describe(view.step))
        self.query_one("#job", Static).update(text)
        self.query_one("#go-job", Button).disabled = view is None
        n = len(service.offers.open_offers())
        self.query_one("#go-offers", Button).label = _("Offers ({n})").format(n=n)
        self.query_one("#go-offers", Button).disabled = session is None

    def on_button_pressed(self, event: Button.Pressed) -> None:
        from lockwarden.kit_ui.evidence import EvidenceScreen
        from lockwarden.kit_ui.job import JobScreen
        from lockwarden.kit_ui.keypad import KeypadScreen
        from lockwarden.kit_ui.offer import OfferScreen
        from lockwarden.kit_ui.pattern import PatternScreen

        service = self.service
        bid = event.button.id
        if bid == "go-job":
            view = current_job(service.flow)
            if view is not None:
                self.app.push_screen(JobScreen(view.order_id))
        elif bid == "go-evidence":
            view = current_job(service.flow)
            if view is not None:
                self.app.push_screen(EvidenceScreen(view.order_id))
            else:
                self.notify(_("No job on this kit"))
        elif bid == "go-offers":
            offers = service.offers.open_offers()
            if offers:
                self.app.push_screen(OfferScreen(offers[0].offer_id))
            else:
                self.notify(_("No open offers"))
        elif bid == "login-fp":
            self.notify(_("Place your finger on the sensor"))
            self.act(service.flow.login_fingerprint, _("Logged in"))
        elif bid == "login-pin":
            who = self.methods()["pin"]
            def pin_typed(pin: str | None) -> None:
                if pin:
                    self.act(lambda: service.flow.login_pin(who, pin), _("Logged in"))

            self.app.push_screen(KeypadScreen(_("Your PIN"), secret=True), pin_typed)
        elif bid == "login-pattern":
            who = self.methods()["pattern"]
            def pattern_drawn(dots: list[int] | None) -> None:
                if dots:
                    self.act(lambda: service.flow.login_pattern(who, dots), _("Logged in"))

            self.app.push_screen(PatternScreen(), pattern_drawn)
        elif bid == "logout":
            self.act(service.flow.logout, _("Logged out"))

    def act(self, fn: Callable[[], Any], done: str) -> None:
        """A login waits for a finger: off the UI thread, the outcome as a notice."""
        if self.busy:
            return
        self.busy = True
        self.refresh_from_service(True)

        def work() -> None:
            self.app.call_from_thread(self._done, *step_outcome(fn, done))

        self.run_worker(work, thread=True, group="login", exclusive=True)

    def _done(self, text: str, error: bool) -> None:
        self.busy = False
        self.app.notify(text, severity="error" if error else "information")
        self.refresh_from_service(True)
