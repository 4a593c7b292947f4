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
from lockwarden.kit_ui.login import LocksmithChooserScreen, LoginMethodScreen, secret_methods
from lockwarden.kit_ui.model import current_job, short_order, sync_lines
from lockwarden.kit_ui.notices import step_outcome
from protocol.i18n import _


class HomeScreen(KitScreen):
    def __init__(self) -> None:
        super().__init__()
        self.busy = False
        self._profiles: list[Any] | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Lockwarden kit"), classes="title")
            yield Static("", id="sync", classes="line")
            yield Static("", id="backlog", classes="line")
            yield Static("", id="session", classes="line")
            with Horizontal(classes="row"):
                yield Button(_("Log in by fingerprint"), id="login-fp", variant="primary")
                yield Button(_("PIN, password or pattern"), id="login-other")
                yield Button(_("Log out"), id="logout", variant="warning")
            yield Static("", id="job", classes="message")
            yield Button(_("Current job"), id="go-job", variant="primary", classes="big")
            with Horizontal(classes="row"):
                yield Button(_("Offers"), id="go-offers")
                yield Button(_("Evidence"), id="go-evidence")

    def profiles(self) -> list[Any]:
        """The kit's locksmiths in job.toml's order (fixed places on the chooser); read once, job.toml is
        read once by the service too."""
        if self._profiles is None:
            flow = self.service.flow
            self._profiles = list(flow.locksmiths.values()) if flow is not None else []
        return self._profiles

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
        self.query_one("#login-other", Button).disabled = not can_login or not any(
            secret_methods(p) for p in self.profiles())
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
        from lockwarden.kit_ui.offer import OfferScreen

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
        elif bid == "login-other":
            self.choose_locksmith()
        elif bid == "logout":
            self.act(service.flow.logout, _("Logged out"))

    def choose_locksmith(self) -> None:
        """Who (skipped when the kit has one locksmith), then how, then the secret."""
        profiles = self.profiles()
        if len(profiles) == 1:
            self.choose_method(profiles[0].locksmith_id)
        else:
            self.app.push_screen(LocksmithChooserScreen(profiles), self.choose_method)

    def choose_method(self, locksmith_id: str | None) -> None:
        from lockwarden.kit_ui.keyboard import KeyboardScreen
        from lockwarden.kit_ui.keypad import KeypadScreen
        from lockwarden.kit_ui.pattern import PatternScreen

        profile = next((p for p in self.profiles() if p.locksmith_id == locksmith_id), None)
        if profile is None:
            return
        flow = self.service.flow

        who = profile.locksmith_id

        def login(method: str | None) -> None:
            if method == "pin":
                self.app.push_screen(KeypadScreen(_("Your PIN"), secret=True), pin_typed)
            elif method == "password":
                self.app.push_screen(KeyboardScreen(_("Your password")), password_typed)
            elif method == "pattern":
                self.app.push_screen(PatternScreen(), pattern_drawn)

        def pin_typed(pin: str | None) -> None:
            if pin:
                self.act(lambda: flow.login_pin(who, pin), _("Logged in"))

        def password_typed(password: str | None) -> None:
            if password:
                self.act(lambda: flow.login_password(who, password), _("Logged in"))

        def pattern_drawn(dots: list[int] | None) -> None:
            if dots:
                self.act(lambda: flow.login_pattern(who, dots), _("Logged in"))

        self.app.push_screen(LoginMethodScreen(profile), login)

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
