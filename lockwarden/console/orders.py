"""Orders tab: the live list (`order.list`) and, for the highlighted order, `order.show` below it."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from lockwarden.console.fmt import choice_label, order_detail, refusal, short, state_label, when
from protocol.i18n import _, ngettext


class OrdersPane(Vertical):
    DEFAULT_CSS = """
    OrdersPane > DataTable { height: 1fr; min-height: 6; }
    OrdersPane > VerticalScroll { height: 1fr; border-top: solid $accent; }
    OrdersPane > .status { height: auto; color: $text-muted; }
    """

    class Selected(Message):
        """The operator moved to another order: the app loads its details."""

        def __init__(self, order_id: str) -> None:
            super().__init__()
            self.order_id = order_id

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.orders: list[dict[str, Any]] = []
        self.selected: str | None = None
        self.detail: dict[str, Any] | None = None
        self.numbers: dict[str, int] = {}  # order id -> the hub's short order number
        # Kept rather than queried: answers can land while a form is on top or the app is closing.
        self.status = Static("", classes="status")
        self.table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="orders-table")
        self.detail_view = Static(_("Select an order to see its transitions, offers and escrow holds."),
                                  id="order-detail")

    def compose(self) -> ComposeResult:
        yield self.status
        self.table.add_columns(_("No."), _("State"), _("Rule"), _("Customer"), _("Locksmith"), _("Site"),
                               _("Updated"))
        yield self.table
        with VerticalScroll():
            yield self.detail_view

    def show_list(self, response: dict[str, Any]) -> None:
        status, table = self.status, self.table
        if not response.get("ok"):
            status.update(refusal(response))
            return
        self.orders = list(response.get("result") or [])
        keep = self.selected
        table.clear()
        self.numbers.update({o["id"]: int(o["number"]) for o in self.orders if o.get("number")})
        for o in self.orders:
            number = o.get("number")
            table.add_row(str(number) if number else short(o["id"]), state_label(o.get("state")),
                          choice_label("rule", o.get("rule")), o.get("customer_name") or o.get("customer_id") or "",
                          o.get("locksmith_name") or o.get("locksmith_id") or "", o.get("site_address") or "",
                          when(o.get("updated_ms")), key=o["id"])
        if keep is not None and any(o["id"] == keep for o in self.orders):
            table.move_cursor(row=table.get_row_index(keep))
        status.update(ngettext("{n} order", "{n} orders", len(self.orders)).format(n=len(self.orders)))

    def show_detail(self, response: dict[str, Any]) -> None:
        widget = self.detail_view
        if response.get("ok"):
            self.detail = dict(response["result"])
            widget.update(order_detail(self.detail, self.numbers.get(str(self.detail.get("id")))))
        else:
            widget.update(refusal(response))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        order_id = event.row_key.value
        if order_id and order_id != self.selected:
            self.selected = order_id
            self.post_message(self.Selected(order_id))
