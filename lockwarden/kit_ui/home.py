"""Home: is the kit online, how much waits to be sent, who is logged in, the current job."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from edge.job.steps import describe
from lockwarden.kit_ui.base import KitScreen
from lockwarden.kit_ui.model import current_job, sync_lines
from protocol.i18n import _


class HomeScreen(KitScreen):
    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Lockwarden kit"), classes="title")
            yield Static("", id="sync", classes="line")
            yield Static("", id="backlog", classes="line")
            yield Static("", id="session", classes="line")
            yield Static("", id="job", classes="message")
            yield Button(_("Current job"), id="go-job", variant="primary", classes="big")
            with Horizontal(classes="row"):
                yield Button(_("Offers"), id="go-offers")
                yield Button(_("Evidence"), id="go-evidence")

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
            who = _("Nobody is logged in")
        else:
            profile = flow.locksmiths.get(session.locksmith_id)
            who = _("Logged in: {name}").format(name=profile.name if profile else session.locksmith_id)
        self.query_one("#session", Static).update(who)
        view = current_job(flow)
        if flow is None:
            text = _("This kit has no hardware configured: it only stores and forwards")
        elif view is None:
            text = _("No job on this kit")
        else:
            text = _("Order {order_id} at {site}: {step}").format(
                order_id=view.order_id, site=view.order.site_address, step=describe(view.step))
        self.query_one("#job", Static).update(text)
        self.query_one("#go-job", Button).disabled = view is None
        n = len(service.offers.open_offers())
        self.query_one("#go-offers", Button).label = _("Offers ({n})").format(n=n)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        from lockwarden.kit_ui.evidence import EvidenceScreen
        from lockwarden.kit_ui.job import JobScreen
        from lockwarden.kit_ui.offer import OfferScreen

        service = self.service
        if event.button.id == "go-job":
            view = current_job(service.flow)
            if view is not None:
                self.app.push_screen(JobScreen(view.order_id))
        elif event.button.id == "go-evidence":
            view = current_job(service.flow)
            if view is not None:
                self.app.push_screen(EvidenceScreen(view.order_id))
            else:
                self.notify(_("No job on this kit"))
        elif event.button.id == "go-offers":
            offers = service.offers.open_offers()
            if offers:
                self.app.push_screen(OfferScreen(offers[0].offer_id))
            else:
                self.notify(_("No open offers"))
