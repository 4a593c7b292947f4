"""Screenshots (SVG) of the kit screens at 100x25 cells (what Chromium shows of the kiosk on the 800x480
panel), in Chinese and English, compared with the committed ones in tests/kit_ui/snapshots/, so a layout
regression fails `make test`. After a deliberate change, look at the new pictures and commit them:

    LOCKWARDEN_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/kit_ui/test_snapshots.py

The kit runs on a fake clock (the offer's countdown is fixed) and is not connected (Home says offline)."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from lockwarden.kit_ui import make_kit_ui
from lockwarden.kit_ui.home import HomeScreen
from lockwarden.kit_ui.job import JobScreen
from lockwarden.kit_ui.keypad import KeypadScreen
from lockwarden.kit_ui.offer import OfferScreen
from lockwarden.kit_ui.pattern import PatternScreen
from protocol.i18n import _, set_language
from protocol.messages.job import JobOffer
from tests.job.conftest import ORDER_ID, SITE
from tests.kit_ui.conftest import PIN, UiKit
from tests.kit_ui.helpers import deliver_order, text, until

SIZE = (100, 25)  # the kiosk: 800x480 at font size 14 (tests/kit_ui/test_kiosk.py)
HERE = Path(__file__).parent / "snapshots"


def _svg(app: Any) -> str:
    # The clip-path ids carry a hash of the title; the picture is what is compared.
    return re.sub(r"terminal-\d+", "terminal", app.export_screenshot())


async def _settle(pilot: Any) -> None:
    for _n in range(8):
        await pilot.pause(0.05)


def _compare(name: str, svg: str) -> None:
    path = HERE / f"{name}.svg"
    if os.environ.get("LOCKWARDEN_UPDATE_SNAPSHOTS") or not path.exists():
        HERE.mkdir(exist_ok=True)
        path.write_text(svg, encoding="utf-8")
        if not os.environ.get("LOCKWARDEN_UPDATE_SNAPSHOTS"):
            pytest.fail(f"new snapshot {path}: look at it and commit it")
    assert svg == path.read_text(encoding="utf-8"), f"{name} differs from {path} (see the module docstring)"


async def _home(app: Any, pilot: Any, kit: UiKit) -> None:
    await until(pilot, lambda: isinstance(app.screen, HomeScreen) and "Offline" in text(app, "#sync")
                or "离线" in text(app, "#sync"))


async def _keypad(app: Any, pilot: Any, kit: UiKit) -> None:
    app.push_screen(KeypadScreen(_("The customer's service code")))
    await until(pilot, lambda: isinstance(app.screen, KeypadScreen))


async def _pattern(app: Any, pilot: Any, kit: UiKit) -> None:
    app.push_screen(PatternScreen())
    await until(pilot, lambda: isinstance(app.screen, PatternScreen))


async def _chooser(app: Any, pilot: Any, kit: UiKit) -> None:
    from edge.job.config import LocksmithProfile
    from lockwarden.kit_ui.login import LocksmithChooserScreen

    names = [("李建国", "BJ-KS-0001"), ("王小红", "BJ-KS-0002"), ("张伟", "BJ-KS-0017"), ("Ma Lin", "BJ-KS-0023")]
    app.push_screen(LocksmithChooserScreen([LocksmithProfile(locksmith_id=f"ls-{n}", name=name, work_no=no)
                                            for n, (name, no) in enumerate(names)]))
    await until(pilot, lambda: isinstance(app.screen, LocksmithChooserScreen))


async def _login_method(app: Any, pilot: Any, kit: UiKit) -> None:
    """The kit's locksmith has a PIN only: Password and Pattern greyed in their places."""
    from lockwarden.kit_ui.login import LoginMethodScreen

    app.push_screen(LoginMethodScreen(kit.service.flow.locksmiths["ls-0001"]))
    await until(pilot, lambda: isinstance(app.screen, LoginMethodScreen))


async def _keyboard(app: Any, pilot: Any, kit: UiKit) -> None:
    from lockwarden.kit_ui.keyboard import KeyboardScreen

    app.push_screen(KeyboardScreen(_("Your password")))
    await until(pilot, lambda: isinstance(app.screen, KeyboardScreen))
    for key in ("#kb-caps", "#kb-w", "#kb-caps", "#kb-a"):  # typed "Wa": dots, Caps off again
        await pilot.click(key)
    await until(pilot, lambda: text(app, "#kb-display") == "••")


async def _offer(app: Any, pilot: Any, kit: UiKit) -> None:
    assert kit.clock is not None
    kit.service.flow.login_pin("ls-0001", PIN)
    offer = JobOffer(offer_id="of-1", order_id="01JGZ0000000000000000000UI", expires_at=kit.clock.now_ms() + 30_000,
                     lock_class="B", category="open", site_address="北京市东城区东长安街1号", site_lat=SITE[0],
                     site_lon=SITE[1], eta_s=600)
    kit.service.offers.downlink_handlers()["job.offer"](None, offer)  # type: ignore[arg-type]
    await until(pilot, lambda: isinstance(app.screen, OfferScreen) and "30" in text(app, "#countdown"))


async def _job(app: Any, pilot: Any, kit: UiKit) -> None:
    kit.service.flow.login_pin("ls-0001", PIN)
    deliver_order(kit)
    app.push_screen(JobScreen(ORDER_ID))
    await until(pilot, lambda: isinstance(app.screen, JobScreen) and text(app, "#customer") != "")


async def _evidence(app: Any, pilot: Any, kit: UiKit) -> None:
    from lockwarden.kit_ui.evidence import EvidenceScreen

    kit.service.flow.login_pin("ls-0001", PIN)
    deliver_order(kit)
    app.push_screen(EvidenceScreen(ORDER_ID))
    await until(pilot, lambda: isinstance(app.screen, EvidenceScreen) and text(app, "#records") != "")


async def _route(app: Any, pilot: Any, kit: UiKit) -> None:
    from lockwarden.kit_ui.route import RouteScreen

    kit.service.flow.login_pin("ls-0001", PIN)
    deliver_order(kit)
    app.push_screen(RouteScreen(ORDER_ID))
    await until(pilot, lambda: isinstance(app.screen, RouteScreen) and text(app, "#distance") != "", pauses=400)


async def _consent(app: Any, pilot: Any, kit: UiKit) -> None:
    from edge.job.flow import consent_statement
    from lockwarden.kit_ui.confirm import ConfirmScreen

    app.push_screen(ConfirmScreen(_("Customer consent"), consent_statement(), _("Agree"), _("Refuse"), _("Back")))
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))


async def _id_number(app: Any, pilot: Any, kit: UiKit) -> None:
    from lockwarden.kit_ui.idnumber import IdNumberScreen
    from tests.job.conftest import CUSTOMER_ID

    app.push_screen(IdNumberScreen(CUSTOMER_ID, reveal=lambda: CUSTOMER_ID))  # shown masked until revealed
    await until(pilot, lambda: isinstance(app.screen, IdNumberScreen))


SCREENS: dict[str, Callable[[Any, Any, UiKit], Awaitable[None]]] = {
    "home": _home, "keypad": _keypad, "pattern": _pattern, "offer": _offer, "job": _job, "evidence": _evidence,
    "route": _route, "consent": _consent, "id_number": _id_number, "chooser": _chooser,
    "login_method": _login_method, "keyboard": _keyboard}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_screen_snapshot(ui_kit_fake_clock: UiKit, screen: str, lang: str) -> None:
    set_language(lang)  # the fixture's `english` restores the language afterwards

    async def scenario() -> None:
        app = make_kit_ui(ui_kit_fake_clock.service)
        async with app.run_test(size=SIZE) as pilot:
            await SCREENS[screen](app, pilot, ui_kit_fake_clock)
            await _settle(pilot)
            _compare(f"{screen}-{lang}", _svg(app))

    asyncio.run(scenario())


def test_keypad_shows_its_ten_digits(ui_kit_fake_clock: UiKit) -> None:
    """Each key of the keypad has room for its label and the digit is drawn (it once was a border only)."""

    async def scenario() -> None:
        app = make_kit_ui(ui_kit_fake_clock.service)
        async with app.run_test(size=SIZE) as pilot:
            await _keypad(app, pilot, ui_kit_fake_clock)
            await _settle(pilot)
            screen_lines = [strip.text for strip in app.screen._compositor.render_strips()]
            for digit in "0123456789":
                key = app.screen.query_one(f"#key-{digit}")
                assert key.content_region.height >= 1 and key.region.height >= 3, digit
                r = key.content_region  # the digit is drawn inside the key, on the screen as composed
                assert digit in "".join(screen_lines[y][r.x:r.right] for y in range(r.y, r.bottom)), digit

    asyncio.run(scenario())
