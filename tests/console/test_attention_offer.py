"""The needs-attention row "offer expiring, nobody left to offer", produced for real over Mosquitto: the only
locksmith's kit is online and logged in, the hub offers it a new order, nobody answers, and no other
locksmith is free to be offered next. The console lists the row, highlighted, naming the order and the
locksmith, before the offer runs out."""

from __future__ import annotations

import asyncio
from typing import Any

from edge.app import make_kit
from edge.offers import OfferInbox
from hub.service import wait_until
from lockwarden.console.app import make_console
from lockwarden.console.attention import AttentionPane
from lockwarden.console.orders import OrdersPane
from lockwarden.demo.city import SITE
from tests.console.conftest import ConsoleHub
from tests.console.helpers import until

SIZE = (120, 40)


def test_offer_expiring_with_nobody_left_is_listed_and_highlighted(console_hub: ConsoleHub, deployment: Any) -> None:
    kit = make_kit(deployment.kits["kit-a"])
    kit.store.add_record("session.login", {"kit_id": "kit-a", "locksmith_id": console_hub.locksmith_id,
                                           "method": "pin"})
    kit.store.add_record("gnss.position", {"lat": SITE[0] + 0.001, "lon": SITE[1]})  # 100 m from the site
    inbox = OfferInbox(kit.store)  # receives the offer and leaves it unanswered
    for type_name, handler in inbox.downlink_handlers().items():
        kit.sync.on(type_name, handler)
    kit.start()
    try:
        # Online, placed, and its login stored at the hub: dispatch can offer kit-a's locksmith a job.
        ok = wait_until(lambda: any(k["kit_id"] == "kit-a" and k["online"] and k["lat"] is not None
                                      for k in console_hub.call("kits.list", {})), 30)
        assert ok, console_hub.call("kits.list", {})
        assert wait_until(lambda: kit.store.backlog() == (0, 0), 30)
        order_id = str(console_hub.call("order.create", {"customer_id": "cust-51",
                                                         "request": console_hub.request(51)})["order_id"])
        assert wait_until(lambda: bool(inbox.open_offers()), 30)
        shown = console_hub.call("order.show", {"order_id": order_id})
        assert [o["locksmith_id"] for o in shown["offers"] if o["state"] == "open"] == [console_hub.locksmith_id]

        async def scenario() -> None:
            app = make_console(console_hub.client)
            async with app.run_test(size=SIZE) as pilot:
                await pilot.press("0")
                pane = app.query_one(AttentionPane)
                assert await until(pilot, lambda: any(i["kind"] == "offer.last_chance" for i in pane.items)), pane.items
                [item] = [i for i in pane.items if i["kind"] == "offer.last_chance"]
                assert item["order_id"] == order_id and item["locksmith"] == "王建国"
                number = app.query_one(OrdersPane).numbers
                assert await until(pilot, lambda: order_id in number)
                row = next(pane.table.get_row_at(r) for r in range(pane.table.row_count)
                           if "Offer expiring" in str(pane.table.get_row_at(r)[0]))
                assert str(row[0]) == "Offer expiring, nobody left to offer"
                # highlighted as urgent: the bold white-on-red of the rows that cannot wait
                assert "red" in str(getattr(row[0], "style", "")), row[0]
                assert "王建国" in str(row[1]) and f"order No. {number[order_id]}" in str(row[1])
                assert str(row[3]).startswith("expires ")

        asyncio.run(scenario())
    finally:
        kit.stop()
