"""Settings tab: the hub's dispatch settings (`settings.show`); money settings shown in yuan too."""

from __future__ import annotations

from typing import Any

from lockwarden.console.listpane import ListPane
from protocol import labels
from protocol.i18n import _


class SettingsPane(ListPane):
    op = "settings.show"

    def columns(self) -> list[str]:
        return [_("Setting"), _("Value"), _("Key")]

    def rows(self, result: Any) -> list[tuple[Any, ...]]:
        # The key stays beside the words: it is what `settings.set --key` takes.
        return [(*labels.setting(key, value), key) for key, value in sorted((result or {}).items())]

    def summary(self, result: Any, rows: list[tuple[Any, ...]]) -> str:
        return _("Change a setting with: lockwarden ops --config operator.toml settings.set --key K --value V")
