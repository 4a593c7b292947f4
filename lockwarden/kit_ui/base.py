"""The base of every kit screen: redrawn from the service by the app's timer and on mount."""

from __future__ import annotations

from typing import Any

from textual.css.query import NoMatches
from textual.screen import Screen


class KitScreen(Screen[None]):
    @property
    def service(self) -> Any:
        return self.app.service  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        self.refresh_from_service(True)

    def refresh_from_service(self, dirty: bool) -> None:
        try:
            self.draw(dirty)
        except NoMatches:  # composing or being torn down: the next tick draws it
            pass

    def draw(self, dirty: bool) -> None:
        raise NotImplementedError
