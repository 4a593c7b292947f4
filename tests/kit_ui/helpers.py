"""Bounded waiting on the pilot: never a wall-clock assert, only 'until this shows, at most N pauses'."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.css.query import NoMatches
from textual.widgets import Static


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
