"""A console for a shift, against the real hub over a real Mosquitto: the broker lost and back under the
running console, the needs-attention view, history that survives a console restart, masked ID numbers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hub.db import transaction
from hub.risk.sweep import sweep
from hub.service import wait_until
from lockwarden.console.app import make_console
from lockwarden.console.attention import AttentionPane
from lockwarden.console.events import EventsPane
from lockwarden.console.formscreen import FormScreen
from lockwarden.console.linkstate import LinkState
from lockwarden.console.orders import OrdersPane
from lockwarden.demo.city import resident_id
from protocol.orderno import short_order
from tests.console.conftest import ConsoleHub
from tests.console.helpers import until

SIZE = (120, 40)
RED_ID = resident_id(777, "19800101")


def _order(hub: ConsoleHub, n: int) -> str:
    return str(hub.call("order.create", {"customer_id": f"cust-{n}", "request": hub.request(n)})["order_id"])


def _screen_text(app: Any) -> str:
    """Everything the attention and orders tables and the status line hold, as the operator would read it."""
    cells = [str(c) for pane in (app.query_one(AttentionPane), app.query_one(OrdersPane))
             for row in range(pane.table.row_count) for c in pane.table.get_row_at(row)]
    return "\n".join(cells + [str(app.query_one(LinkState).render())])


def test_broker_lost_and_back_under_a_running_console(console_hub: ConsoleHub, deployment: Any) -> None:
    async def scenario() -> None:
        app = make_console(console_hub.client)
        async with app.run_test(size=SIZE) as pilot:
            state = app.query_one(LinkState)
            assert await until(pilot, lambda: state.connected is True)
            deployment.broker.stop()
            assert await until(pilot, lambda: state.connected is False)
            assert "Broker lost" in str(state.render())
            # Every action the operator may press while the broker is away: none raises, each says why.
            for key in ("o", "a", "p", "x", "r", "0", "2", "9"):
                await pilot.press(key)
                await pilot.pause(0.1)
                if len(app.screen_stack) > 1:
                    await pilot.press("escape")
            assert app.is_running
            deployment.broker.start()
            assert await until(pilot, lambda: state.connected is True, rounds=1200)
            # Actions resume: an order created after the broker came back reaches the console's list.
            assert wait_until(lambda: console_hub.admin.transport.connected, 30)
            assert wait_until(lambda: console_hub.hub.transport is not None and console_hub.hub.transport.connected, 30)
            created = _order(console_hub, 31)
            pane = app.query_one(OrdersPane)
            assert await until(pilot, lambda: created in pane.numbers, rounds=1200)
            assert "Connected" in str(state.render())

    asyncio.run(scenario())


def _seed_attention(hub: ConsoleHub) -> None:
    """The hub's stores in the states that need a person. The unassigned order is a real one (no kit is
    online, so dispatch finds nobody); the rest are rows as their owners write them."""
    now = hub.hub.clock.now_ms()
    with hub.hub._lock:
        # the hub's risk sweep caught up first: it would score the locksmith again (nothing against him) and
        # replace the seeded warning on his filing's records
        sweep(hub.hub.conn, hub.hub.clock)
    with hub.hub._lock, transaction(hub.hub.conn) as c:
        c.execute("INSERT INTO risk_warnings(subject, subject_id, level, score, reasons_json, signature, updated_ms)"
                  " VALUES ('customer', ?, 'red', 75.0, ?, 'x', ?)",
                  (RED_ID, json.dumps([{"code": "many_addresses", "weight": 75.0, "value": 5,
                                       "text": "5 different addresses requested by the same person recently"}]), now))
        # a yellow one on the locksmith: the Warnings tab names him (a red one would be a second attention item)
        c.execute("INSERT INTO risk_warnings(subject, subject_id, level, score, reasons_json, signature, updated_ms)"
                  " VALUES ('locksmith', ?, 'yellow', 30.0, ?, 'y', ?)",
                  (hub.locksmith_id, json.dumps([{"code": "complaints", "weight": 30.0, "value": 2, "text": "2 complaints"}]), now))
        c.execute("INSERT INTO timers(kind, key, due_ms, payload_json, state, created_ms, fired_ms, error)"
                  " VALUES ('offer.expire', 'offer:x', ?, '{}', 'failed', ?, ?, 'boom')", (now, now, now))
        c.execute("INSERT INTO kit_presence(kit_id, online, updated_ms) VALUES ('kit-b', 0, ?)"
                  " ON CONFLICT(kit_id) DO UPDATE SET online = 0", (now,))
        c.execute("INSERT INTO kit_link_state(kit_id, status, since_ms, backlog_records, backlog_files,"
                  " updated_ms) VALUES ('kit-b', 'offline', ?, 3, 2, ?) ON CONFLICT(kit_id) DO UPDATE SET backlog_records = 3,"
                  " backlog_files = 2", (now, now))
        c.execute("INSERT INTO quarantine(received_ms, topic, sender, msg_id, reason, detail, raw)"
                  " VALUES (?, 'lw/v1/kit/kit-b/up/record', 'kit-b', NULL, 'malformed', 'bad', x'00')", (now,))


def test_attention_lists_each_kind_most_urgent_first(console_hub: ConsoleHub) -> None:
    unassigned = _order(console_hub, 32)  # no kit online: nobody to offer it to
    overdue = _order(console_hub, 33)
    assert wait_until(lambda: console_hub.call("order.show", {"order_id": unassigned})["state"] == "unassigned", 30)
    _seed_attention(console_hub)
    late = _order(console_hub, 35)
    with console_hub.hub._lock, transaction(console_hub.hub.conn) as c:
        c.execute("UPDATE orders SET state = 'case_opened' WHERE id = ?", (overdue,))
        # a locksmith who set out and did not arrive by the deadline (rows as hub/orders/arrival.py writes them)
        now = console_hub.hub.clock.now_ms()
        c.execute("UPDATE orders SET state = 'en_route', locksmith_id = ? WHERE id = ?", (console_hub.locksmith_id, late))
        c.execute("INSERT INTO order_arrival(order_id, locksmith_id, set_out_ms, due_ms, missed_ms) VALUES (?,?,?,?,?)",
                  (late, console_hub.locksmith_id, now - 3_600_000, now - 600_000, now - 600_000))

    async def scenario() -> None:
        app = make_console(console_hub.client)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("0")
            pane = app.query_one(AttentionPane)
            kinds = ["order.unassigned", "order.arrival_missed", "warning.red", "documents.overdue", "timer.failed", "kit.offline_backlog",
                     "quarantine.growth"]
            await until(pilot, lambda: [i["kind"] for i in pane.items if i["kind"] != "order.unassigned"]
                        == kinds[1:] and any(i["kind"] == "order.unassigned" for i in pane.items))
            assert {i["kind"] for i in pane.items} == set(kinds), pane.items
            got = [i["kind"] for i in pane.items]
            assert got == sorted(got, key=kinds.index), got  # most urgent first
            text = _screen_text(app)
            for words in ("Order unassigned", "arrival deadline missed", "王建国", "Red warning", "Documents overdue", "Deadline failed",
                          "Kit offline", "quarantined", "3 records, 2 files waiting"):
                assert words in text, (words, text)
            # The order is named by its short number and its customer, as in the Orders tab.
            number = app.query_one(OrdersPane).numbers.get(unassigned)
            assert number is not None and f"order No. {number}" in text
            assert await until(pilot, lambda: "things need attention" in str(app.query_one(LinkState).render()))
            # red rows are highlighted
            first = pane.table.get_row_at(0)[0]
            assert "red" in str(getattr(first, "style", ""))

    asyncio.run(scenario())


def test_masked_id_numbers(console_hub: ConsoleHub) -> None:
    _seed_attention(console_hub)

    async def scenario() -> None:
        app = make_console(console_hub.client)
        async with app.run_test(size=SIZE) as pilot:
            pane = app.query_one(AttentionPane)
            assert await until(pilot, lambda: any(i["kind"] == "warning.red" for i in pane.items))
            text = _screen_text(app)
            assert RED_ID not in text and RED_ID[-4:] in text and "*" * 14 + RED_ID[-4:] in text
            await pilot.press("3")
            warnings = app.lists["warnings"]
            assert await until(pilot, lambda: warnings.table.row_count == 2)  # the customer's red first
            row = [str(c) for c in warnings.table.get_row_at(0)]
            assert RED_ID not in row and "*" * 14 + RED_ID[-4:] in row
            # Opened deliberately, with a reason: shown whole, and the hub logged who, when and why.
            await pilot.press("i")
            assert await until(pilot, lambda: isinstance(app.screen, FormScreen) and bool(app.screen.query("#f-reason")))
            form = app.screen
            assert isinstance(form, FormScreen)
            await pilot.press("ctrl+s")  # no reason yet: refused at the form
            assert await until(pilot, lambda: form.error_of("reason") != "")
            form.set_value("reason", "police asked by phone, case 12")
            await pilot.press("ctrl+s")
            assert await until(pilot, lambda: not isinstance(app.screen, FormScreen))
            assert await until(pilot, lambda: RED_ID in [str(c) for c in warnings.table.get_row_at(0)])

    asyncio.run(scenario())
    log = console_hub.call("id.openings", {})
    assert [(e["actor"], e["subject"], e["ref"], e["reason"]) for e in log] == [
        ("operator:op-zhou", "customer_warning", "*" * 14 + RED_ID[-4:], "police asked by phone, case 12")]
    assert RED_ID not in str(log)  # the log names the opening, not the number


def test_history_survives_a_console_restart(console_hub: ConsoleHub) -> None:
    created = _order(console_hub, 34)
    number: dict[str, int] = {}

    async def first() -> None:
        app = make_console(console_hub.client)
        async with app.run_test(size=SIZE) as pilot:
            events = app.query_one(EventsPane)
            assert await until(pilot, lambda: any("request received" in line for line in events.lines))
            number.update(app.query_one(OrdersPane).numbers)

    async def second() -> None:
        # A new console: no live event arrives after it starts, so what it shows came from the hub.
        app = make_console(console_hub.client)
        async with app.run_test(size=SIZE) as pilot:
            events = app.query_one(EventsPane)
            label = f"order No. {number[created]}"
            assert await until(pilot, lambda: any("request received" in line and label in line
                                                  for line in events.lines))
            # each event once, however many times history and the live stream both brought it
            assert len(events.lines) == len(set(events.lines))

    asyncio.run(first())
    asyncio.run(second())
    assert created in number


def test_the_link_line_cannot_scroll_out_of_sight(console_hub: ConsoleHub) -> None:
    """The tabs fill what is left under the link line: the screen has nothing to scroll, so a terminal's
    scroll (a wheel, a focus move) cannot hide the connection state (it did, at 100x30 and 110x32)."""
    async def scenario() -> None:
        app = make_console(console_hub.client)
        async with app.run_test(size=(100, 30)) as pilot:
            state = app.query_one(LinkState)
            assert await until(pilot, lambda: state.connected is True)
            for key in ("0", "1", "2", "1"):
                await pilot.press(key)
                await pilot.pause(0.1)
            assert app.screen.max_scroll_y == 0
            assert state.region.y == 1 and state.region.height == 1  # right under the title

    asyncio.run(scenario())


def test_a_shift_opens_on_attention_and_acts_on_its_rows(console_hub: ConsoleHub) -> None:
    """The console opens on what needs a person now; an order action pressed there applies to the order of
    the row under the cursor, not to whatever the hidden Orders tab has selected (its newest order)."""
    older = _order(console_hub, 36)  # no kit online: both end unassigned, the older one first in Attention
    newer = _order(console_hub, 37)
    for order_id in (older, newer):
        assert wait_until(lambda o=order_id: console_hub.call("order.show", {"order_id": o})["state"] == "unassigned", 30)
    before = len(console_hub.call("order.show", {"order_id": older})["transitions"])

    async def scenario() -> None:
        app = make_console(console_hub.client)
        async with app.run_test(size=SIZE) as pilot:
            assert app.tabs.active == "attention"
            pane = app.query_one(AttentionPane)
            orders = app.query_one(OrdersPane)
            assert await until(pilot, lambda: [i.get("order_id") for i in pane.items
                                               if i["kind"] == "order.unassigned"] == [older, newer])
            assert await until(pilot, lambda: orders.selected == newer)  # the Orders tab's cursor: newest first
            # cancelling says what it costs: the order's details are fetched for the row's order
            await pilot.press("x")
            assert await until(pilot, lambda: isinstance(app.screen, FormScreen))
            assert isinstance(app.screen, FormScreen) and short_order(older) in app.screen.title_text
            await pilot.press("escape")
            assert await until(pilot, lambda: not isinstance(app.screen, FormScreen))
            await pilot.press("R")
            assert await until(pilot, lambda: isinstance(app.screen, FormScreen))
            form = app.screen
            assert isinstance(form, FormScreen) and short_order(older) in form.title_text
            form.set_value("reason", "locksmith back on duty")
            await pilot.press("ctrl+s")
            assert await until(pilot, lambda: not isinstance(app.screen, FormScreen))
            # the number keys still switch tabs
            await pilot.press("1")
            assert await until(pilot, lambda: app.tabs.active == "orders")
            await pilot.press("0")
            assert await until(pilot, lambda: app.tabs.active == "attention")

    asyncio.run(scenario())
    moved = console_hub.call("order.show", {"order_id": older})["transitions"]
    assert len(moved) > before and "locksmith back on duty" in [t.get("reason") for t in moved]
    assert "locksmith back on duty" not in [t.get("reason") for t in
                                            console_hub.call("order.show", {"order_id": newer})["transitions"]]
