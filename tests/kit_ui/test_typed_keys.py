"""The terminal kit UI (and a USB keypad) by keyboard alone: the focused Home button is visibly marked,
digits typed reach the keypad's field, Backspace takes one back, and Enter submits the field even while
one of the on-screen keys has focus (it used to press that key: typing its digit once more)."""

from __future__ import annotations

import asyncio

from textual.widgets import Button

from edge.job.steps import Step
from lockwarden.kit_ui import make_kit_ui
from lockwarden.kit_ui.home import HomeScreen
from lockwarden.kit_ui.keypad import KeypadScreen
from tests.job.conftest import ORDER_ID
from tests.job.rig import LOCKSMITH_FINGER
from tests.kit_ui.conftest import PIN, UiKit
from tests.kit_ui.helpers import deliver_order, job_step, open_job, press_next, text, until


def test_pin_and_service_code_typed_on_the_keyboard(ui_kit: UiKit) -> None:
    asyncio.run(_typed(ui_kit))


async def _typed(kit: UiKit) -> None:
    deliver_order(kit)
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and "Nobody" in text(app, "#session"))
        # A button under the keyboard's focus looks different from its neighbours.
        button = app.screen.query_one("#go-job", Button)
        unfocused = (button.styles.border_top, button.styles.border_bottom)
        button.focus()
        await pilot.pause()
        assert app.focused is button
        assert (button.styles.border_top, button.styles.border_bottom) != unfocused
        button.blur()

        await open_job(app, pilot)
        await until(pilot, lambda: not app.screen.query_one("#pin").disabled)
        await pilot.click("#pin")
        await until(pilot, lambda: isinstance(app.screen, KeypadScreen))
        await pilot.press(*("9" + PIN[:2]), "backspace", "backspace", "backspace", *PIN)
        assert text(app, "#display") == "•" * len(PIN)
        await pilot.press("enter")
        await until(pilot, lambda: kit.service.flow.session() is not None)
        assert kit.service.flow.session().method == "pin"

        kit.service.set_out(ORDER_ID)
        await press_next(app, pilot, "Enter the customer's service code")
        await until(pilot, lambda: isinstance(app.screen, KeypadScreen))
        app.screen.query_one("#key-1", Button).focus()  # a key focused: Enter still submits the field
        await pilot.press(*"000000")
        assert text(app, "#display") == "000000"
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, KeypadScreen) and not app.screen.busy
                    and "wrong" in text(app, "#message"))
        assert text(app, "#message") == "The service code is wrong (4 attempts left)"
        assert job_step(kit) == Step.SET_OUT


def test_fingerprint_login_by_tab_and_enter_on_home(ui_kit: UiKit) -> None:
    asyncio.run(_home_by_keys(ui_kit))


async def _home_by_keys(kit: UiKit) -> None:
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and "Nobody" in text(app, "#session"))
        kit.emu.place_finger(LOCKSMITH_FINGER)
        login = app.screen.query_one("#login-fp", Button)
        for _ in range(8):  # Tab round the Home buttons to the fingerprint login, as a keyboard user does
            if app.focused is login:
                break
            await pilot.press("tab")
        assert app.focused is login
        await pilot.press("enter")
        await until(pilot, lambda: kit.service.flow.session() is not None)
        kit.emu.remove_finger()
        assert kit.service.flow.session().method == "fingerprint"
