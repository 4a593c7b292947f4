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
from lockwarden.kit_ui.chooser import Choice, LocksmithChooser
from lockwarden.kit_ui.model import current_job, short_order, sync_lines
from lockwarden.kit_ui.notices import step_outcome
from protocol.i18n import _

SECRET_LOGINS = {"pin": "pin_hash", "password": "password_hash", "pattern": "pattern_hash"}


def logins_for(flow: Any, method: str) -> list[Choice]:
    """The locksmiths of this kit who can log in with a PIN, password or pattern (the fingerprint says
    whose it is by itself). A kit may be shared: with several, the locksmith chooses their name first."""
    attr = SECRET_LOGINS[method]
    return [Choice(p.locksmith_id, p.name or p.locksmith_id, p.work_no) for p in flow.locksmiths.values()
            if getattr(p, attr)]


class HomeScreen(KitScreen):
    def __init__(self) -> None:
        super().__init__()
        self.busy = False
        self._methods: dict[str, list[Choice]] | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Lockwarden kit"), classes="title")
            yield Static("", id="sync", classes="line")
            yield Static("", id="backlog", classes="line")
            yield Static("", id="session", classes="line")
            with Horizontal(classes="row"):
                yield Button(_("Log in by fingerprint"), id="login-fp", variant="primary")
                yield Button(_("PIN"), id="login-pin")
                yield Button(_("Password"), id="login-password")
                yield Button(_("Pattern"), id="login-pattern")
                yield Button(_("Log out"), id="logout", variant="warning")
            yield Static("", id="job", classes="message")
            yield Button(_("Current job"), id="go-job", variant="primary", classes="big")
            with Horizontal(classes="row"):
                yield Button(_("Offers"), id="go-offers")
                yield Button(_("Evidence"), id="go-evidence")

    def methods(self) -> dict[str, list[Choice]]:
        flow = self.service.flow
        if self._methods is None:
            self._methods = {m: logins_for(flow, m) if flow is not None else [] for m in SECRET_LOGINS}
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
        for method in SECRET_LOGINS:
            self.query_one(f"#login-{method}", Button).disabled = not can_login or not self.methods()[method]
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
        elif bid in ("login-pin", "login-password", "login-pattern"):
            self.choose(bid.removeprefix("login-"))
        elif bid == "logout":
            self.act(service.flow.logout, _("Logged out"))

    def choose(self, method: str) -> None:
        """PIN, password or pattern: whose (asked on a kit shared by several: the locksmith sees their own
        name before typing), then the secret."""
        choices = self.methods()[method]
        if len(choices) == 1 and len(self.service.flow.locksmiths) == 1:
            self.ask_secret(method, choices[0].locksmith_id)
        elif choices:
            self.app.push_screen(LocksmithChooser(choices),
                                 lambda who: self.ask_secret(method, who) if who else None)

    def ask_secret(self, method: str, who: str) -> None:
        from lockwarden.kit_ui.keyboard import KeyboardScreen
        from lockwarden.kit_ui.keypad import KeypadScreen
        from lockwarden.kit_ui.pattern import PatternScreen

        flow = self.service.flow
        if method == "pattern":
            def drawn(dots: list[int] | None) -> None:
                if dots:
                    self.act(lambda: flow.login_pattern(who, dots), _("Logged in"))

            self.app.push_screen(PatternScreen(), drawn)
            return

        def typed(secret: str | None) -> None:
            if secret:
                login = flow.login_pin if method == "pin" else flow.login_password
                self.act(lambda: login(who, secret), _("Logged in"))

        if method == "pin":
            self.app.push_screen(KeypadScreen(_("Your PIN"), secret=True), typed)
        else:
            self.app.push_screen(KeyboardScreen(_("Your password")), typed)

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
