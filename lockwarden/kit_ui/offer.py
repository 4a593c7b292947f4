"""Offer (R-5): an incoming job offer with a live countdown; Accept or Refuse before it expires.

The countdown is `OfferInbox.seconds_left`: the hub's clock is the authority, the kit only shows it. An
answer is a signed message in the outbox, so it counts even while the kit is offline."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from lockwarden.kit_ui.base import KitScreen
from lockwarden.kit_ui.notices import accepted_text, offer_closed_text
from protocol.i18n import _


def category_text(category: str) -> str:
    return {"open": _("open"), "repair": _("repair"), "replace": _("replace")}.get(category) or _("other work")


class OfferScreen(KitScreen):
    def __init__(self, offer_id: str) -> None:
        super().__init__()
        self.offer_id = offer_id

    def compose(self) -> ComposeResult:
        offer = self.app.service.offers.offers[self.offer_id].offer  # type: ignore[attr-defined]
        with Vertical():
            yield Static(_("New job offer"), classes="title")
            yield Static(_("Site: {site}").format(site=offer.site_address), id="site", classes="line")
            yield Static(_("Lock: class {lock_class}, {category}").format(
                lock_class=offer.lock_class, category=category_text(offer.category)), id="lock", classes="line")
            yield Static(_("Estimated arrival: {minutes} min").format(minutes=max(1, round(offer.eta_s / 60))),
                         id="eta", classes="line")
            yield Static("", id="countdown", classes="countdown")
            yield Static("", id="state", classes="message")
            with Horizontal(classes="row"):
                yield Button(_("Accept"), id="accept", variant="success", classes="big")
                yield Button(_("Refuse"), id="refuse", variant="error", classes="big")
            yield Button(_("Back"), id="back")

    def draw(self, dirty: bool) -> None:
        inbox: Any = self.app.service.offers  # type: ignore[attr-defined]
        entry = inbox.offers[self.offer_id]
        left = inbox.seconds_left(self.offer_id)
        countdown = self.query_one("#countdown", Static)
        state = self.query_one("#state", Static)
        is_open = entry.state == "open" and left > 0
        countdown.update(_("{seconds} s left to answer").format(seconds=left) if is_open else "")
        if entry.state == "accepted":
            state.update(accepted_text(self.app.service, entry.offer.order_id))  # type: ignore[attr-defined]
        elif entry.state == "refused":
            state.update(_("Refused"))
        elif entry.state == "closed":
            state.update(offer_closed_text(entry.detail))
        elif not is_open:
            state.update(offer_closed_text("expired"))
        for button_id in ("#accept", "#refuse"):
            self.query_one(button_id, Button).disabled = not is_open

    def on_button_pressed(self, event: Button.Pressed) -> None:
        inbox: Any = self.app.service.offers  # type: ignore[attr-defined]
        if event.button.id == "back":
            self.app.pop_screen()
            return
        if inbox.seconds_left(self.offer_id) <= 0:
            self.refresh_from_service(True)
            return
        if event.button.id == "accept":
            inbox.accept(self.offer_id)
            self.notify(_("Offer accepted"))
        elif event.button.id == "refuse":
            inbox.refuse(self.offer_id, "declined")
            self.notify(_("Offer refused"))
        self.refresh_from_service(True)
