"""Bounded waiting on the pilot: never a wall-clock assert, only 'until this shows, at most N pauses'.
And what several kit UI tests do the same way: deliver the order, open its Job screen, press the big
button, type on the keypad."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from textual.css.query import NoMatches
from textual.widgets import Button, Static

from edge.job.steps import Step
from lockwarden.kit_ui.job import JobScreen
from lockwarden.kit_ui.keypad import KeypadScreen
from lockwarden.kit_ui.model import short_order
from protocol.messages.job import JobOrder
from tests.job.conftest import ORDER_ID, order_body


async def until(pilot: Any, cond: Callable[[], bool], *, pauses: int = 300, step_s: float = 0.03) -> None:
    for _ in range(pauses):
        await pilot.pause(step_s)
        if cond():
            return
    raise AssertionError("condition not reached")


def text(app: Any, selector: str) -> str:
    """The text of a Static on the current screen; "" while that screen is still being composed."""
    try:
        return str(app.screen.query_one(selector, Static).content)
    except NoMatches:
        return ""


def deliver_order(kit: Any) -> None:
    """The test order, handed to the kit (a tests.kit_ui.conftest.UiKit) as the sync engine delivers it."""
    assert kit.service.flow is not None
    body = msgspec.convert({k: v for k, v in order_body().items() if k in JobOrder.__struct_fields__}, JobOrder)
    kit.service.flow.downlink_handlers()["job.order"](None, body)


def job_step(kit: Any) -> Step:
    return kit.service.flow.job(ORDER_ID).step  # type: ignore[no-any-return]


async def open_job(app: Any, pilot: Any) -> None:
    """From Home, once it shows the order, to its Job screen."""
    await until(pilot, lambda: short_order(ORDER_ID) in text(app, "#job"))
    await pilot.click("#go-job")
    await until(pilot, lambda: isinstance(app.screen, JobScreen) and short_order(ORDER_ID) in text(app, "#order"))


async def press_next(app: Any, pilot: Any, label: str) -> None:
    """Press the one big button, once it offers what the job needs now and takes a press: enabled (it is
    enabled by the draw after `busy` clears) and out of its 0.2 s press effect (Textual's Button ignores a
    click while it shows `-active`, and a quick step such as "Set out" can finish within it). Clicks that
    fell in either gap were lost and the fresh-clone CI runs waited in vain for the next screen."""
    def ready() -> bool:
        if not isinstance(app.screen, JobScreen) or app.screen.busy:
            return False
        button = app.screen.query_one("#next", Button)
        return not button.disabled and not button.has_class("-active") and str(button.label) == label

    await until(pilot, ready)
    if not await pilot.click("#next"):
        under, _region = app.get_widget_at(*app.screen.query_one("#next", Button).region.center)
        raise AssertionError(f"the press on {label!r} landed on {under!r}, not on the button")


async def choose_login(app: Any, pilot: Any, method: str, locksmith: int | None = None) -> None:
    """From Home: PIN, password or pattern, the locksmith's name (the `locksmith`-th button, when the kit
    has several), then the method."""
    from lockwarden.kit_ui.login import LocksmithChooserScreen, LoginMethodScreen

    await pilot.click("#login-other")
    if locksmith is not None:
        await until(pilot, lambda: isinstance(app.screen, LocksmithChooserScreen))
        await pilot.click(f"#who-{locksmith}")
    await until(pilot, lambda: isinstance(app.screen, LoginMethodScreen))
    await pilot.click(f"#method-{method}")


async def tap(app: Any, pilot: Any, selector: str) -> None:
    """Click a button once it takes a press: Textual's Button ignores a click during its 0.2 s press effect
    (`-active`), so a second tap of the same key that soon would be lost."""
    button = app.screen.query_one(selector)
    await until(pilot, lambda: not button.has_class("-active"), step_s=0.05)
    await pilot.click(selector)


async def keys(app: Any, pilot: Any, typed: str) -> None:
    """Type on the keypad once it shows ("." and "X" are keys too), then Enter."""
    await until(pilot, lambda: isinstance(app.screen, KeypadScreen))
    for ch in typed:
        await tap(app, pilot, {".": "#key-dot", "X": "#key-x"}.get(ch, f"#key-{ch}"))
    await pilot.click("#key-ok")
