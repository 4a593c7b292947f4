"""The operator console (Textual pilot) against a real hub over a real Mosquitto."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Log

from lockwarden.console.app import make_console
from lockwarden.console.events import EventsPane
from lockwarden.console.formscreen import FormScreen
from lockwarden.console.orders import OrdersPane
from lockwarden.demo.city import SITE, resident_id
from lockwarden.demo.photos import request_photos
from tests.console.conftest import ConsoleHub
from tests.console.helpers import until

SIZE = (120, 40)


def _order_keys(app: Any) -> set[str]:
    table = app.query_one(OrdersPane).query_one(DataTable)
    return {str(k.value) for k in table.rows}


def _fill_hotline(form: FormScreen, scans: Path, *, id_number: str) -> None:
    """The operator types the request and gives the scanned ID cards as files (sent to the hub on submit)."""
    photos = request_photos(1)
    scans.mkdir(exist_ok=True)
    (scans / "customer.jpg").write_bytes(photos["customer"])
    (scans / "witness.jpg").write_bytes(photos["witness"])
    values = {
        "customer_name": "张三", "customer_mobile": "13712340001", "customer_id_number": id_number,
        "customer_id_image": str(scans / "customer.jpg"), "voucher_kind": "witness",
        "voucher_name": "周敏", "voucher_id_number": resident_id(601, "19750101"),
        "voucher_id_image": str(scans / "witness.jpg"), "site_address": "北京市东城区东长安街1号",
        "site_lat": str(SITE[0]), "site_lon": str(SITE[1]), "category": "open", "lock_class": "B", "rule": "eta",
    }
    for name, value in values.items():
        form.set_value(name, value)


async def _open_hotline(pilot: Any, app: Any) -> FormScreen:
    await pilot.press("n")
    assert await until(pilot, lambda: isinstance(app.screen, FormScreen))
    form = app.screen
    assert isinstance(form, FormScreen)
    return form


def test_console_lists_orders(console_hub: ConsoleHub) -> None:
    async def scenario() -> None:
        created = console_hub.call("order.create", {"customer_id": "cust-1", "request": console_hub.request(1)})
        app = make_console(console_hub.client)
        async with app.run_test(size=SIZE) as pilot:
            assert await until(pilot, lambda: created["order_id"] in _order_keys(app))
            pane = app.query_one(OrdersPane)
            # the first row is highlighted, so its order.show arrives below the list
            assert await until(pilot, lambda: pane.detail is not None and pane.detail["id"] == created["order_id"])
            assert pane.detail is not None and pane.detail["transitions"]

    asyncio.run(scenario())


def test_hotline_form_creates_an_order(console_hub: ConsoleHub, tmp_path: Path) -> None:
    async def scenario() -> None:
        app = make_console(console_hub.client)
        async with app.run_test(size=SIZE) as pilot:
            form = await _open_hotline(pilot, app)
            _fill_hotline(form, tmp_path / "scans", id_number=resident_id(501, "19900101"))
            await pilot.press("ctrl+s")
            assert await until(pilot, lambda: not isinstance(app.screen, FormScreen)), form.error_of("")
            orders = console_hub.call("order.list", {})
            assert len(orders) == 1 and orders[0]["customer_id"] == "tel-13712340001"
            # the scans reached the hub before the request that names them
            row = console_hub.hub.conn.execute("SELECT request_json FROM orders WHERE id=?", (orders[0]["id"],)).fetchone()
            named = json.loads(row[0])["customer_id_image_sha256"]
            assert console_hub.hub.ingest.media.read(named) == request_photos(1)["customer"]
            assert await until(pilot, lambda: orders[0]["id"] in _order_keys(app))

    asyncio.run(scenario())


def test_bad_id_number_shows_the_field_error(console_hub: ConsoleHub, tmp_path: Path) -> None:
    async def scenario() -> None:
        app = make_console(console_hub.client)
        async with app.run_test(size=SIZE) as pilot:
            form = await _open_hotline(pilot, app)
            good = resident_id(501, "19900101")
            bad = good[:-1] + ("0" if good[-1] != "0" else "1")
            _fill_hotline(form, tmp_path / "scans", id_number=bad)
            await pilot.press("ctrl+s")
            assert await until(pilot, lambda: form.error_of("customer_id_number") != "")
            assert form.error_of("customer_name") == ""
            assert app.screen is form  # the form stays open for the correction
            assert console_hub.call("order.list", {}) == []

    asyncio.run(scenario())


def test_ops_event_appears_in_the_events_pane(console_hub: ConsoleHub) -> None:
    async def scenario() -> None:
        app = make_console(console_hub.client)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            created = console_hub.call("order.create", {"customer_id": "cust-2", "request": console_hub.request(2)})
            events = app.query_one(EventsPane)
            pane = app.query_one(OrdersPane)
            # the event names the order by its short number, in words, with no raw kind or id
            assert await until(pilot, lambda: any(
                created["order_id"] in pane.numbers and f"order No. {pane.numbers[created['order_id']]}" in line
                and "request received" in line for line in events.lines))
            assert not any("order.requested" in line or created["order_id"] in line for line in events.lines)
            await pilot.press("2")
            assert await until(pilot, lambda: app.query_one(Log).line_count > 0)
            # the event refreshed the orders list too
            assert await until(pilot, lambda: created["order_id"] in _order_keys(app))


    asyncio.run(scenario())
