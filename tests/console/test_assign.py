"""Manual assignment end to end over Mosquitto: an order nobody could take, the operator assigns it to the
locksmith from the console's form, the real kit receives the offer and accepts it."""

from __future__ import annotations

import asyncio
from typing import Any

from edge.app import make_kit
from edge.offers import OfferInbox
from hub.service import wait_until
from lockwarden.console.app import make_console
from lockwarden.console.formscreen import FormScreen
from lockwarden.console.orders import OrdersPane
from tests.console.conftest import ConsoleHub
from tests.console.helpers import until

SIZE = (120, 40)


def test_operator_assigns_an_unassigned_order_and_the_kit_accepts(console_hub: ConsoleHub, deployment: Any) -> None:
    order_id = str(console_hub.call("order.create", {"customer_id": "cust-41",
                                                     "request": console_hub.request(41)})["order_id"])
    assert wait_until(lambda: console_hub.call("order.show", {"order_id": order_id})["state"] == "unassigned", 30)
    kit = make_kit(deployment.kits["kit-a"])
    # The hub offers only to a locksmith logged in on the kit: the signed record a kit with a sensor writes.
    kit.store.add_record("session.login", {"kit_id": "kit-a", "locksmith_id": console_hub.locksmith_id,
                                           "method": "pin"})
    inbox = OfferInbox(kit.store)
    for type_name, handler in inbox.downlink_handlers().items():
        kit.sync.on(type_name, handler)
    kit.start()
    try:
        assert wait_until(lambda: bool(console_hub.call("order.candidates", {"order_id": order_id})), 30)
        assert not inbox.open_offers()  # nobody offered it by themselves: the retry is minutes away

        async def scenario() -> None:
            app = make_console(console_hub.client)
            async with app.run_test(size=SIZE) as pilot:
                await pilot.press("1")
                pane = app.query_one(OrdersPane)
                assert await until(pilot, lambda: pane.detail is not None and pane.detail["id"] == order_id)
                await pilot.press("g")
                assert await until(pilot, lambda: isinstance(app.screen, FormScreen))
                form = app.screen
                assert isinstance(form, FormScreen)
                assert await until(pilot, lambda: bool(form.query("#f-reason"))
                                   and form.values()["locksmith_id"] == console_hub.locksmith_id)
                assert await until(pilot, lambda: form.focused is not None and form.focused.id == "f-locksmith_id")
                form.set_value("reason", "customer asked for 王建国")
                await pilot.press("ctrl+s")
                assert await until(pilot, lambda: not isinstance(app.screen, FormScreen)), form.error_of("")

        asyncio.run(scenario())
        assert wait_until(lambda: bool(inbox.open_offers()), 30)
        offer = inbox.open_offers()[0]
        assert offer.order_id == order_id
        shown = console_hub.call("order.show", {"order_id": order_id})
        assert shown["state"] == "dispatching"
        assert [o["locksmith_id"] for o in shown["offers"] if o["state"] == "open"] == [console_hub.locksmith_id]
        history = console_hub.call("events.history", {"order_id": order_id})
        assigned = [e for e in history if e["kind"] == "order.assigned"]
        assert assigned and assigned[0]["locksmith"] == "王建国" and assigned[0]["actor"] == "operator:op-zhou"
        inbox.accept(offer.offer_id)  # the locksmith still has to accept on the kit
        assert wait_until(lambda: console_hub.call("order.show", {"order_id": order_id})["state"]
                          == "awaiting_customer", 30)
    finally:
        kit.stop()


def test_assigning_someone_who_cannot_take_it_changes_nothing(console_hub: ConsoleHub) -> None:
    order_id = str(console_hub.call("order.create", {"customer_id": "cust-42",
                                                     "request": console_hub.request(42)})["order_id"])
    assert wait_until(lambda: console_hub.call("order.show", {"order_id": order_id})["state"] == "unassigned", 30)
    # kit-a is offline, so its locksmith is no candidate: refused, and the order stays unassigned
    resp = console_hub.admin.call("order.assign", {"order_id": order_id, "locksmith_id": console_hub.locksmith_id})
    assert not resp["ok"] and resp["code"] == "not_available" and "王建国" in resp["error"]
    assert console_hub.call("order.show", {"order_id": order_id})["state"] == "unassigned"
