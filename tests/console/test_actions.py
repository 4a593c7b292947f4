"""Order actions and the other tabs of the console, against a real hub over a real Mosquitto. With no kit
online every order ends unassigned, which is the state the operator's actions start from."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.widgets import Button, DataTable, Input

from lockwarden.console.app import make_console
from lockwarden.console.documents import DocumentsScreen
from lockwarden.console.formscreen import FormScreen
from lockwarden.console.ledger import LedgerPane
from lockwarden.console.listpane import ListPane
from lockwarden.console.orders import OrdersPane
from lockwarden.console.settings import SettingsPane
from tests.console.conftest import ConsoleHub
from tests.console.helpers import until
from tests.police.photos import jpeg

SIZE = (100, 30)


def _state(hub: ConsoleHub, order_id: str) -> str:
    return str(hub.call("order.show", {"order_id": order_id})["state"])


def _new_order(hub: ConsoleHub, n: int) -> str:
    order_id = str(hub.call("order.create", {"customer_id": f"cust-{n}", "request": hub.request(n)})
                   ["order_id"])
    assert _state(hub, order_id) == "unassigned"
    return order_id


async def _selected(pilot: Any, order_id: str) -> None:
    """The order under the cursor of the Orders tab (the console opens on Attention)."""
    await pilot.press("1")
    pane = pilot.app.query_one(OrdersPane)
    assert await until(pilot, lambda: pane.detail is not None and pane.detail["id"] == order_id)


def _form(app: Any) -> FormScreen:
    assert isinstance(app.screen, FormScreen)
    return app.screen


def test_cancel_through_the_form(console_hub: ConsoleHub) -> None:
    order_id = _new_order(console_hub, 11)

    async def scenario() -> None:
        app = make_console(console_hub.client)
        async with app.run_test(size=SIZE) as pilot:
            await _selected(pilot, order_id)
            await pilot.press("x")
            assert await until(pilot, lambda: isinstance(app.screen, FormScreen))
            await pilot.press("ctrl+s")  # no reason: refused before anything is sent
            assert await until(pilot, lambda: _form(app).error_of("reason") != "")
            _form(app).set_value("reason", "客户已自行找到钥匙")
            await pilot.press("ctrl+s")
            assert await until(pilot, lambda: not isinstance(app.screen, FormScreen))
            pane = app.query_one(OrdersPane)
            assert await until(pilot, lambda: (pane.detail or {}).get("state") == "cancelled")
            reasons = [t["reason"] for t in (pane.detail or {}).get("transitions", [])]
            assert "客户已自行找到钥匙" in reasons

    asyncio.run(scenario())
    assert _state(console_hub, order_id) == "cancelled"


def test_redispatch_and_a_refused_decision(console_hub: ConsoleHub) -> None:
    order_id = _new_order(console_hub, 12)
    before = len(console_hub.call("order.show", {"order_id": order_id})["transitions"])

    async def scenario() -> None:
        app = make_console(console_hub.client)
        async with app.run_test(size=SIZE) as pilot:
            await _selected(pilot, order_id)
            await pilot.press("R")
            assert await until(pilot, lambda: isinstance(app.screen, FormScreen))
            _form(app).set_value("reason", "锁匠已上线")
            await pilot.press("ctrl+s")
            assert await until(pilot, lambda: not isinstance(app.screen, FormScreen)), _form(app).error_of("")
            # nobody is online, so the hub is back to unassigned, through dispatching
            pane = app.query_one(OrdersPane)
            assert await until(pilot, lambda: len((pane.detail or {}).get("transitions", [])) > before)
            # the customer cannot decide on an order nobody accepted: the hub's refusal is shown on the form
            await pilot.press("a")
            assert await until(pilot, lambda: isinstance(app.screen, FormScreen))
            await pilot.press("ctrl+s")
            assert await until(pilot, lambda: _form(app).error_of("") not in ("", "Sending..."))
            await pilot.press("escape")
            assert await until(pilot, lambda: not isinstance(app.screen, FormScreen))

    asyncio.run(scenario())
    assert _state(console_hub, order_id) == "unassigned"


def test_documents_rejected_with_a_reason(console_hub: ConsoleHub) -> None:
    order_id = _new_order(console_hub, 13)
    # the operator's client sends the scanned photo over its own upload topic first
    photo = console_hub.admin.upload_document(jpeg("deed"), order_id)
    sub = console_hub.call("documents.submit", {"order_id": order_id, "doc_types": ["id_card", "property_deed"],
                                                "media": [photo], "holder_name": "张三"})

    async def scenario() -> None:
        app = make_console(console_hub.client)
        async with app.run_test(size=SIZE) as pilot:
            await _selected(pilot, order_id)
            await pilot.press("o")
            assert await until(pilot, lambda: isinstance(app.screen, DocumentsScreen))
            screen = app.screen
            assert isinstance(screen, DocumentsScreen)
            assert await until(pilot, lambda: len(screen.submissions) == 1)
            screen.query_one("#doc-reason", Input).value = "房产证姓名与客户不符"
            screen.query_one("#reject", Button).press()
            assert await until(pilot, lambda: bool(screen.submissions) and screen.submissions[0]["status"] == "rejected")
            await pilot.press("escape")

    asyncio.run(scenario())
    listed = console_hub.call("documents.list", {"order_id": order_id})["submissions"]
    assert listed[0]["id"] == sub["submission_id"] and listed[0]["reason"] == "房产证姓名与客户不符"


def test_other_tabs_show_the_hub(console_hub: ConsoleHub) -> None:
    _new_order(console_hub, 14)

    async def scenario() -> None:
        app = make_console(console_hub.client)
        async with app.run_test(size=SIZE) as pilot:
            for key in "345678":
                await pilot.press(key)
                await pilot.pause()
            ledger = app.query_one(LedgerPane)
            await pilot.press("6")
            assert await until(pilot, lambda: "balances" in str(ledger.query_one(".status").render()))
            await pilot.press("7")
            settings = app.query_one(SettingsPane)
            assert await until(pilot, lambda: settings.query_one(DataTable).row_count > 0)
            await pilot.press("5")  # the order's pending timers, if any, and the status line in every case
            timers = app.query_one("#timers").query_one(ListPane)
            assert await until(pilot, lambda: str(timers.query_one(".status").render()) != "")
            await pilot.press("8")  # the unit and locksmith the fixture filed
            filings = app.query_one("#filings").query_one(ListPane)
            assert await until(pilot, lambda: filings.table.row_count == 2)
            assert "王建国" in [str(c) for c in filings.table.get_column_at(1)]
            await pilot.press("9")  # kits and the police forwarding line
            kits = app.query_one("#kits").query_one(ListPane)
            assert await until(pilot, lambda: "Police forwarding" in str(kits.status.render())
                               or "警方" in str(kits.status.render()) or "公安" in str(kits.status.render()))

    asyncio.run(scenario())
