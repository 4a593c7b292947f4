"""The Route screen (R-8): opened from the Job screen between the order and the arrival, it follows the kit's
GNSS position (the emulator, moved by the test) to the site: direction, distance, road estimate, ETA and
whether the locksmith is within the arrival radius (job.toml default: 200 m)."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.widgets import Button

from lockwarden.kit_ui import make_kit_ui
from lockwarden.kit_ui.job import JobScreen
from lockwarden.kit_ui.model import short_order
from lockwarden.kit_ui.route import RouteScreen
from protocol.i18n import set_language
from tests.job.conftest import CODE, ORDER_ID, SITE
from tests.job.test_route import offset
from tests.kit_ui.conftest import PIN, UiKit
from tests.kit_ui.helpers import deliver_order, open_job, text, until


def _route_button(app: Any) -> Button:
    return app.screen.query_one("#route", Button)  # type: ignore[no-any-return]


def test_route_screen_follows_the_gnss_position_to_the_site(ui_kit: UiKit) -> None:
    asyncio.run(_follow(ui_kit))


async def _follow(kit: UiKit) -> None:
    deliver_order(kit)
    gnss = kit.service.flow.devices.position.emulator  # type: ignore[union-attr]
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_job(app, pilot)
        await until(pilot, lambda: not _route_button(app).disabled)
        await pilot.click("#route")
        await until(pilot, lambda: isinstance(app.screen, RouteScreen))
        screen = app.screen
        assert text(app, "#address") == "Site: 北京市东城区东长安街1号"

        # The emulator starts on the site.
        await until(pilot, lambda: text(app, "#status").startswith("You are at the site"))
        assert text(app, "#status") == "You are at the site (within 200 m): enter the customer's service code"
        assert text(app, "#distance") == "Distance: 0 m in a straight line"
        assert text(app, "#direction") == ""  # no bearing within GNSS noise of the site
        assert screen.query_one("#status").has_class("arrived")

        # 1.2 km south-west of the site: the site is north-east.
        leg = 1200 / 2 ** 0.5
        gnss.move_to(*offset(SITE, -leg, -leg))
        await until(pilot, lambda: text(app, "#direction") == "Direction: ↗ northeast (45°)")
        assert [text(app, f"#{name}") for name in ("distance", "road", "eta", "status")] == [
            "Distance: 1.2 km in a straight line", "By road: about 1.7 km (estimate)", "Estimated arrival: 4 min",
            "Arrival counts within 200 m of the site"]
        assert text(app, "#position").startswith("Position: 39.90")
        assert not screen.query_one("#status").has_class("arrived")

        # Closer, from the east, just inside the radius.
        gnss.move_to(*offset(SITE, 0, 180))
        await until(pilot, lambda: text(app, "#distance") == "Distance: 180 m in a straight line")
        assert text(app, "#direction") == "Direction: ← west (270°)"
        assert text(app, "#status").startswith("You are at the site")

        # In a garage: no fix, no numbers (the reading waits for a fix off the UI thread).
        gnss.lose_fix()
        await until(pilot, lambda: text(app, "#position").startswith("No GNSS position yet"), pauses=400)
        assert text(app, "#distance") == "" and text(app, "#direction") == "" and text(app, "#status") == ""

        await pilot.click("#back")
        await until(pilot, lambda: isinstance(app.screen, JobScreen))
        # Arrival recorded (by the service, as the code keypad would): the route is no longer offered.
        flow = kit.service.flow
        gnss.set_fix()
        flow.login_pin("ls-0001", PIN)
        flow.arrive(CODE, ORDER_ID)
        await until(pilot, lambda: _route_button(app).disabled)  # in its place, not removed


def test_route_screen_in_chinese(ui_kit: UiKit) -> None:
    set_language("zh_CN")  # the `english` fixture of ui_kit restores the language afterwards
    asyncio.run(_chinese(ui_kit))


async def _chinese(kit: UiKit) -> None:
    deliver_order(kit)
    kit.service.flow.devices.position.emulator.move_to(*offset(SITE, -1100, 0))  # type: ignore[union-attr]
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: short_order(ORDER_ID) in text(app, "#job"))
        app.push_screen(RouteScreen(ORDER_ID))
        await until(pilot, lambda: text(app, "#distance") == "直线距离：1.1 公里")
        assert text(app, "#direction") == "方向：↑ 北（0°）"
        assert text(app, "#road") == "道路距离：约 1.5 公里（估算）"
        assert text(app, "#eta") == "预计到达：4 分钟"  # 1540 m at 25 km/h: 222 s
        assert text(app, "#status") == "距现场 200 米以内即算到达"
