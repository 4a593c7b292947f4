"""Settings tab: the hub's dispatch settings (`settings.show`); money settings shown in yuan too."""

from __future__ import annotations

from typing import Any

from lockwarden.console.fmt import yuan
from lockwarden.console.listpane import ListPane
from protocol.i18n import _


class SettingsPane(ListPane):
    op = "settings.show"

    def columns(self) -> list[str]:
        return [_("Setting"), _("Value")]

    def rows(self, result: Any) -> list[tuple[Any, ...]]:
        return [(key, f"{value} ({yuan(value)})" if key.endswith("_fen") else value)
                for key, value in sorted((result or {}).items())]

    def summary(self, result: Any, rows: list[tuple[Any, ...]]) -> str:
        return _("Change a setting with: lockwarden ops --config operator.toml settings.set --key K --value V")
