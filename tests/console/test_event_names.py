"""The Dispatch tab names the people in an event as the other tabs do: an operator by name (the id beside it
only when two share a name), the locksmith by name, a kit by its label, the customer as such; never an
operator's id when the hub knows his name, nor a customer's id (their mobile number)."""

from __future__ import annotations

import asyncio

from lockwarden.console.app import make_console
from lockwarden.console.events import EventsPane
from lockwarden.console.fmt import event_line, order_detail
from lockwarden.console.orders import OrdersPane
from tests.console.conftest import ConsoleHub
from tests.console.helpers import until

SIZE = (120, 40)


def test_event_lines_name_people(english: None) -> None:
    line = event_line({"kind": "order.cancelled", "order_id": "o1", "reason": "dup", "actor": "operator:op-li",
                       "actor_name": "李"}, {"o1": 3})
    assert line.endswith("by 李") and "op-li" not in line and "order No. 3" in line
    twin = event_line({"kind": "order.cancelled", "order_id": "o1", "actor": "operator:op-li2",
                       "actor_name": "李 (op-li2)"}, {"o1": 3})
    assert twin.endswith("by 李 (op-li2)")
    # an event stored before the hub named actors: the id is all there is
    assert event_line({"kind": "order.cancelled", "actor": "operator:op-li"}).endswith("by op-li")
    by_customer = event_line({"kind": "order.cancelled", "actor": "customer:tel-13912345678"})
    assert by_customer.endswith("by the customer") and "1391234" not in by_customer
    assert event_line({"kind": "order.cancelled", "actor": "kit:kit-001"}).endswith("by kit kit-001")
    assert event_line({"kind": "order.cancelled", "actor": "hub"}).endswith("by the hub")
    offered = event_line({"kind": "offer.sent", "order_id": "o1", "locksmith_id": "01M996QK0YFY16HGX1GCAZNWZM",
                          "locksmith": "王建国", "rank": 1}, {"o1": 3})
    assert "王建国" in offered and "01M996QK" not in offered
    refused = event_line({"kind": "kit_record_refused", "kit_id": "kit-001"})
    assert "kit kit-001" in refused


def test_dispatch_tab_names_the_operator_who_acted(console_hub: ConsoleHub, english: None) -> None:
    order_id = str(console_hub.call("order.create", {"customer_id": "cust-61",
                                                     "request": console_hub.request(61)})["order_id"])
    console_hub.call("order.cancel", {"order_id": order_id, "reason": "customer found the key"})

    async def scenario() -> None:
        app = make_console(console_hub.client)
        async with app.run_test(size=SIZE) as pilot:
            events = app.query_one(EventsPane)
            numbers = app.query_one(OrdersPane).numbers
            assert await until(pilot, lambda: order_id in numbers and any(
                f"order No. {numbers[order_id]}" in line and "customer found the key" in line
                for line in events.lines))
            [line] = [line for line in events.lines if "customer found the key" in line]
            assert line.endswith("by 周"), line  # the operator the fixture registered, op-zhou
            assert not any("op-zhou" in line for line in events.lines), events.lines

    asyncio.run(scenario())


def test_order_detail_names_who_made_each_transition(english: None) -> None:
    text = order_detail({"id": "01M996QK0YFY16HGX1GCAZNWZM", "state": "cancelled", "transitions": [
        {"at_ms": 1796660626400, "from_state": "new", "to_state": "dispatching", "actor": "hub"},
        {"at_ms": 1796660627400, "from_state": "unassigned", "to_state": "cancelled", "actor": "operator:op-li",
         "actor_name": "李", "reason": "dup"}]}, 1)
    assert "the hub" in text and "李" in text and "op-li" not in text
