"""Bounded polling for pilot tests: the console talks to a real hub, so answers arrive when they arrive."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot


async def until(pilot: Pilot[None], predicate: Callable[[], bool], rounds: int = 400) -> bool:
    """Let the app run until `predicate` holds (at most `rounds` short pauses; no clock assert)."""
    for _ in range(rounds):
        if predicate():
            return True
        await pilot.pause(0.05)
    return predicate()
