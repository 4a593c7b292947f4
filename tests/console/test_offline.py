"""Console behaviour that needs no hub: the language, the forms' requests, the hotline mapping, the docs."""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path
from typing import Any

from textual.binding import Binding
from textual.widgets import Tab

from lockwarden.console import hotline
from lockwarden.console.app import ConsoleApp, make_console
from lockwarden.console.formscreen import FormScreen
from lockwarden.console.orders import OrdersPane
from protocol.i18n import set_language
from tests.console.fakes import ORDER, FakeClient
from tests.console.helpers import until

ROOT = Path(__file__).resolve().parents[2]


def _form(app: Any) -> FormScreen:
    assert isinstance(app.screen, FormScreen)
    return app.screen


def test_chinese_is_the_default() -> None:
    set_language("zh_CN")
    client = FakeClient()

    async def scenario() -> None:
        app = make_console(client)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = app.query_one(OrdersPane)
            assert await until(pilot, lambda: pane.detail is not None)
            labels = [str(tab.label) for tab in app.query(Tab)]
            assert any("订单" in label for label in labels), labels

    try:
        asyncio.run(scenario())
    finally:
        set_language()


def test_payment_and_follow_up_forms_send_the_right_requests(english: None) -> None:
    client = FakeClient()

    async def scenario() -> None:
        app = make_console(client)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = app.query_one(OrdersPane)
            assert await until(pilot, lambda: pane.detail is not None)
            await pilot.press("p")
            assert await until(pilot, lambda: isinstance(app.screen, FormScreen))
            assert _form(app).values()["amount_fen"] == "25000"  # prepayment + deposit of the order
            await pilot.press("ctrl+s")  # no receipt number yet
            assert await until(pilot, lambda: _form(app).error_of("external_ref") != "")
            _form(app).set_value("external_ref", "R-0001")
            await pilot.press("ctrl+s")
            assert await until(pilot, lambda: not isinstance(app.screen, FormScreen))
            await pilot.press("f")
            assert await until(pilot, lambda: isinstance(app.screen, FormScreen))
            _form(app).set_value("channel", "voice")
            _form(app).set_value("rating", "9")
            await pilot.press("ctrl+s")  # the hub's field error lands under the rating
            assert await until(pilot, lambda: _form(app).error_of("rating") == "1 to 5")
            _form(app).set_value("rating", "5")
            await pilot.press("ctrl+s")
            assert await until(pilot, lambda: not isinstance(app.screen, FormScreen))
            await pilot.press("q")

    asyncio.run(scenario())
    assert client.ops("order.pay") == [{"order_id": ORDER["id"], "amount_fen": 25000, "external_ref": "R-0001",
                                        "provider": "manual"}]
    assert client.ops("followup.record")[-1] == {"order_id": ORDER["id"], "channel": "voice", "outcome": "reached",
                                                 "rating": 5, "note": ""}


def _values(**over: str) -> dict[str, str]:
    sha = hashlib.sha256(b"x").hexdigest()
    base = {"customer_name": "张三", "customer_mobile": "137 1234 0001", "customer_id_number": "11010519491231002x",
            "customer_id_image": sha, "voucher_kind": "officer", "voucher_name": "孙立", "voucher_badge": "010234",
            "voucher_id_number": "110105194912310029", "voucher_id_image": sha, "site_address": "东长安街1号",
            "site_lat": "39.9", "site_lon": "116.4", "category": "open", "lock_class": "B", "rule": "grade"}
    return {**base, **over}


def test_hotline_values_become_the_request(tmp_path: Path) -> None:
    scan = tmp_path / "id.jpg"
    scan.write_bytes(b"scan")
    args, problems = hotline.build(_values(customer_id_image=str(scan)))
    assert problems == {} and args is not None
    assert args["customer_id"] == "tel-13712340001"
    req = args["request"]
    assert req["customer_id_image_sha256"] == hashlib.sha256(b"scan").hexdigest()
    assert req["customer_id_number"].endswith("X") and req["appointment_ms"] is None
    assert req["officer"]["badge_number"] == "010234" and "witness" not in req
    args, problems = hotline.build(_values(site_lat="north", appointment="tomorrow", voucher_id_image="nope"))
    assert args is None and set(problems) == {"site_lat", "appointment", "voucher_id_image"}


def test_hub_field_names_map_to_the_form() -> None:
    assert hotline.form_field("witness.id_number") == "voucher_id_number"
    assert hotline.form_field("officer.badge_number") == "voucher_badge"
    assert hotline.form_field("officer") == "voucher_kind"
    assert hotline.form_field("customer_id_image_sha256") == "customer_id_image"
    assert hotline.form_field("appointment_ms") == "appointment"
    errors = hotline.field_errors({"ok": False, "errors": [{"field": "customer_id_number", "message": "bad"},
                                                            {"field": "mystery", "message": "odd"}]})
    assert errors == {"customer_id_number": "bad", "": "odd"}


def test_docs_name_every_key() -> None:
    doc = (ROOT / "docs" / "console.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([^`]+)` \|", doc, flags=re.M))
    keys = {b.key for b in ConsoleApp.BINDINGS if isinstance(b, Binding) and b.show}
    assert keys <= documented, keys - documented


def test_the_console_subcommand_is_registered() -> None:
    from lockwarden.cli import build_parser

    args = build_parser().parse_args(["console", "--config", "operator.toml"])
    assert args.func.__module__ == "lockwarden.commands.console" and args.config == Path("operator.toml")


def test_a_burst_of_events_costs_few_refreshes(english: None) -> None:
    client = FakeClient()

    async def scenario() -> None:
        app = make_console(client)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = app.query_one(OrdersPane)
            assert await until(pilot, lambda: pane.detail is not None)
            before = len(client.ops("order.list"))
            for _ in range(50):
                app.refresh_all()
            assert await until(pilot, lambda: not app._refreshing)
            assert 1 <= len(client.ops("order.list")) - before <= 2

    asyncio.run(scenario())


def test_a_missing_config_is_a_clear_error(tmp_path: Path, capsys: Any) -> None:
    from lockwarden.cli import main

    assert main(["--lang", "en", "console", "--config", str(tmp_path / "nowhere.toml")]) == 1
    assert "cannot connect the console" in capsys.readouterr().err


def test_letters_in_a_form_do_not_reach_the_console(english: None) -> None:
    client = FakeClient()

    async def scenario() -> None:
        app = make_console(client)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = app.query_one(OrdersPane)
            assert await until(pilot, lambda: pane.detail is not None)
            await pilot.press("f")
            assert await until(pilot, lambda: isinstance(app.screen, FormScreen))
            form = _form(app)
            form.query_one("#cancel").focus()  # a button takes no letters: they would reach the app
            await pilot.press("q", "n", "x", "2")
            await pilot.pause()
            assert app.is_running and app.screen is form and len(app.screen_stack) == 2
            await pilot.press("escape")
            assert await until(pilot, lambda: not isinstance(app.screen, FormScreen))
            await pilot.press("2")
            assert await until(pilot, lambda: app.tabs.active == "events")

    asyncio.run(scenario())
