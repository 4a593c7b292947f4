"""The operator console app: tabs over the hub's ops, refreshed by the live events stream.

`make_console(client)` is the one constructor (CLI and tests): `client` is an OpsClient (or anything with
its `call` and `seen`). Every ops call runs on a worker thread through `ConsoleLink`, one at a time, so
the UI never waits on the broker."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, TabbedContent, TabPane

from lockwarden.console.actions import decide_form, followup_form, pay_form, reason_form
from lockwarden.console.assign import assign_form
from lockwarden.console.attention import AttentionPane
from lockwarden.console.documents import DocumentsScreen
from lockwarden.console.events import EventsPane
from lockwarden.console.filings import FilingsPane
from lockwarden.console.fmt import refusal, short
from lockwarden.console.followups import FollowupsPane
from lockwarden.console.hotline_form import hotline_form
from lockwarden.console.idopen import open_id_form
from lockwarden.console.kits import KitsPane
from lockwarden.console.ledger import LedgerPane
from lockwarden.console.link import Client, ConsoleLink
from lockwarden.console.linkstate import LinkState
from lockwarden.console.listpane import ListPane
from lockwarden.console.orders import OrdersPane
from lockwarden.console.settings import SettingsPane
from lockwarden.console.timers import TimersPane
from lockwarden.console.warnings import WarningsPane
from protocol.i18n import _

TABS = ("attention", "orders", "events", "warnings", "followups", "timers", "ledger", "settings", "filings", "kits")


def key_bindings() -> list[Binding | tuple[str, str] | tuple[str, str, str]]:
    """The keys with their words in the language in use now."""
    return [
        Binding("n", "hotline", _("New request")),
        Binding("a", "decide", _("Decision")),
        Binding("p", "pay", _("Payment")),
        Binding("x", "cancel_order", _("Cancel order")),
        Binding("R", "redispatch", _("Redispatch")),
        Binding("g", "assign", _("Assign locksmith")),
        Binding("w", "withdraw", _("Withdraw locksmith")),
        Binding("i", "open_id", _("Open ID number")),
        Binding("o", "documents", _("Documents")),
        Binding("f", "followup", _("Follow-up")),
        Binding("r", "refresh", _("Refresh")),
        Binding("q", "quit", _("Quit")),
        *[Binding(str(i), f"tab('{name}')", show=False) for i, name in enumerate(TABS)],
    ]


class ConsoleApp(App[None]):
    TITLE = "Lockwarden"
    BINDINGS = key_bindings()
    # The tabs take what is left under the link line: sized by their content they overflowed the screen by
    # a row, and a terminal's scroll then hid the link line, the one thing that must always show.
    CSS = "TabbedContent { height: 1fr; }"

    REFRESH_S = 5.0

    def __init__(self, link: ConsoleLink, *, poll_s: float = 0.25) -> None:
        super().__init__()
        self.link = link
        self.poll_s = poll_s
        self.sub_title = _("Hub operator console")
        # Kept rather than queried: App.query_one searches the screen in view, which may be a form.
        self.orders = OrdersPane()
        self.events = EventsPane()
        self.attention = AttentionPane()
        self.link_state = LinkState()
        # One map of order id -> short number, filled by the orders list, read by every pane that names orders.
        self.attention.numbers = self.events.numbers = self.orders.numbers
        self.lists: dict[str, ListPane] = {"attention": self.attention, "warnings": WarningsPane(), "followups": FollowupsPane(),
                                           "timers": TimersPane(), "ledger": LedgerPane(),
                                           "settings": SettingsPane(), "filings": FilingsPane(), "kits": KitsPane()}
        timers = self.lists["timers"]
        assert isinstance(timers, TimersPane)
        timers.numbers = self.orders.numbers
        # A shift starts with what needs a person now, not with the list of every order.
        self.tabs = TabbedContent(initial="attention")
        self._dirty = False
        self._refreshing = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield self.link_state
        titles = {"attention": _("0 Attention"), "orders": _("1 Orders"), "events": _("2 Dispatch"), "warnings": _("3 Warnings"),
                  "followups": _("4 Follow-ups"), "timers": _("5 Deadlines"), "ledger": _("6 Ledger"),
                  "settings": _("7 Settings"), "filings": _("8 Filings"), "kits": _("9 Kits and police")}
        panes: dict[str, OrdersPane | EventsPane | ListPane] = {"orders": self.orders, "events": self.events,
                                                                **self.lists}
        with self.tabs:
            for name in TABS:
                with TabPane(titles[name], id=name):
                    yield panes[name]
        yield Footer()

    # -- talking to the hub --------------------------------------------------------------------------
    async def ask(self, op: str, args: dict[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(self.link.call, op, args)

    async def send_image(self, data: bytes, kind: str) -> dict[str, Any]:
        return await asyncio.to_thread(self.link.upload, data, kind)

    def on_mount(self) -> None:
        self.set_interval(self.poll_s, self.poll_events)
        # Deadlines pass and kits go quiet without an event: the view in front and the attention list are
        # refreshed now and then as well as on every event.
        self.set_interval(self.REFRESH_S, self.refresh_all)
        self.refresh_all()

    def poll_events(self) -> None:
        if self.link_state.show_link(self.link.connected) and self.link.connected:
            # Up (first time, or back after a loss): what happened meanwhile is in the hub's history.
            self.run_worker(self._load_history(), group="history", exclusive=True)
            self.refresh_all()
        events = self.link.new_events()
        if events:
            self.events.add(events)
            self.refresh_all()

    async def _load_history(self) -> None:
        response = await self.ask("events.history", {"limit": self.events.MAX_LINES})
        if response.get("ok"):
            self.events.load(list(response.get("result") or []))

    def refresh_all(self) -> None:
        """Orders and the tab in view. Coalesced: while a refresh runs, any number of requests for another
        cost one more pass after it, so a busy hub neither queues refreshes nor starves them."""
        self._dirty = True
        if not self._refreshing:
            self._refreshing = True
            self.run_worker(self._refresh_loop(), group="refresh")

    async def _refresh_loop(self) -> None:
        try:
            while self._dirty:
                self._dirty = False
                try:
                    await self._refresh()
                except Exception as exc:  # a UI that stops refreshing is worse than one that says why
                    self.notify(str(exc), severity="error")
                if not self.link.connected:
                    break  # the link's return runs a fresh refresh; nothing to gain by spinning on refusals
        finally:
            self._refreshing = False

    async def _refresh(self) -> None:
        orders = self.orders
        orders.show_list(await self.ask("order.list", {"limit": 200}))
        self.events.renumber()
        attention = await self.ask("attention.list", {})
        if attention.get("ok"):
            self.link_state.show_attention(len(attention.get("result") or []))
        self.attention.show(attention)
        if orders.selected:
            orders.show_detail(await self.ask("order.show", {"order_id": orders.selected}))
        pane = self.active_list()
        if pane is not None and pane is not self.attention:
            pane.show(await pane.fetch(self.ask))

    def active_list(self) -> ListPane | None:
        return self.lists.get(self.tabs.active or "")

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_all()

    async def on_orders_pane_selected(self, message: OrdersPane.Selected) -> None:
        self.run_worker(self._detail(message.order_id), group="detail", exclusive=True)

    async def _detail(self, order_id: str) -> None:
        self.orders.show_detail(await self.ask("order.show", {"order_id": order_id}))

    # -- actions ---------------------------------------------------------------------------------------
    MAIN_ACTIONS = frozenset({"hotline", "decide", "pay", "cancel_order", "redispatch", "assign", "withdraw", "open_id", "documents", "followup",
                              "refresh", "quit", "tab"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While a form is open its keys are its own: a letter must not quit the console or open another
        # form on top. Textual 8 already stops the app's keys at a modal screen; this does not rely on it.
        return not (action in self.MAIN_ACTIONS and len(self.screen_stack) > 1)

    def action_tab(self, name: str) -> None:
        self.tabs.active = name

    def action_refresh(self) -> None:
        self.refresh_all()

    def action_hotline(self) -> None:
        def created(order_id: str) -> None:
            self.orders.selected = order_id
            self.notify(_("Order {order} created").format(order=short(order_id)))  # as the kit names it

        self.push_screen(hotline_form(self.ask, created, self.send_image), lambda _ok: self.refresh_all())

    def selected_order(self) -> str | None:
        """The order an action applies to: in the Attention tab the order of the row under the cursor (the
        one the operator is looking at), elsewhere the order under the cursor in the Orders tab."""
        if self.tabs.active == "attention":
            item = self.attention.current()
            order_id = str(item["order_id"]) if item and item.get("order_id") else None
            if order_id is None:
                self.notify(_("Select a row about an order in the Attention tab, or an order in the Orders tab."),
                            severity="warning")
            return order_id
        order_id = self.orders.selected
        if order_id is None:
            self.notify(_("Select an order in the Orders tab first."), severity="warning")
        return order_id

    def _detailed_action(self, build: Any) -> None:
        """A form that needs the order's details (the amount due, what cancelling costs): the Orders tab's
        when they are this order's, else asked of the hub (an action from the Attention tab)."""
        order_id = self.selected_order()
        if order_id is not None:
            self.run_worker(self._with_detail(order_id, build), group="detail-action", exclusive=True)

    async def _with_detail(self, order_id: str, build: Any) -> None:
        detail = self.orders.detail if (self.orders.detail or {}).get("id") == order_id else None
        if detail is None:
            response = await self.ask("order.show", {"order_id": order_id})
            detail = dict(response["result"]) if response.get("ok") else None
        self.push_screen(build(order_id, detail), lambda _ok: self.refresh_all())

    def _order_action(self, build: Any) -> None:
        order_id = self.selected_order()
        if order_id is not None:
            self.push_screen(build(order_id), lambda _ok: self.refresh_all())

    def action_decide(self) -> None:
        self._order_action(lambda oid: decide_form(self.ask, oid))

    def action_pay(self) -> None:
        self._detailed_action(lambda oid, detail: pay_form(self.ask, oid, detail))

    def action_cancel_order(self) -> None:
        self._detailed_action(lambda oid, detail: reason_form(self.ask, "order.cancel", oid, detail))

    def action_redispatch(self) -> None:
        self._order_action(lambda oid: reason_form(self.ask, "order.redispatch", oid))

    def action_withdraw(self) -> None:
        self._order_action(lambda oid: reason_form(self.ask, "order.withdraw", oid))

    def action_assign(self) -> None:
        order_id = self.selected_order()
        if order_id is not None:
            self.run_worker(self._assign(order_id), group="assign", exclusive=True)

    async def _assign(self, order_id: str) -> None:
        response = await self.ask("order.candidates", {"order_id": order_id})
        if not response.get("ok"):
            self.notify(refusal(response), severity="warning")
            return
        found = list(response.get("result") or [])
        if not found:
            self.notify(_("Nobody can be offered this order now (on duty, free, in area and scope)."),
                        severity="warning")
            return
        number = str(self.orders.numbers.get(order_id, order_id[-8:]))
        self.push_screen(assign_form(self.ask, order_id, number, found), lambda _ok: self.refresh_all())

    def action_open_id(self) -> None:
        """The whole ID number of the customer warning under the cursor (Warnings tab), after the hub has
        logged who asked and why."""
        pane = self.lists["warnings"]
        assert isinstance(pane, WarningsPane)
        warning = pane.current() if self.tabs.active == "warnings" else None
        if warning is None or warning.get("subject") != "customer":
            self.notify(_("Select a customer's warning in the Warnings tab first."), severity="warning")
            return
        subject_id = str(warning.get("subject_id"))

        def opened(number: str) -> None:
            pane.reveal(subject_id, number)

        # the hub sends the number masked and a `ref` to open it by (an older hub: the number itself)
        self.push_screen(open_id_form(self.ask, "customer_warning", str(warning.get("ref") or subject_id), opened,
                                      shown=subject_id))

    def action_followup(self) -> None:
        self._order_action(lambda oid: followup_form(self.ask, oid))

    def action_documents(self) -> None:
        self._order_action(lambda oid: DocumentsScreen(self.ask, oid))


def make_console(client: Client, *, poll_s: float = 0.25) -> ConsoleApp:
    # Textual reads BINDINGS when a class is made, here at import: a subclass made now words the footer in the
    # language chosen since (one process may show both, as the manual's screenshots are made).
    localised = type(ConsoleApp.__name__, (ConsoleApp,), {"BINDINGS": key_bindings()})
    return localised(ConsoleLink(client), poll_s=poll_s)
