"""Ledger tab: `ledger.check`, every transfer balanced and the total zero, or the problems found."""

from __future__ import annotations

from typing import Any

from lockwarden.console.listpane import ListPane
from protocol.i18n import _


class LedgerPane(ListPane):
    op = "ledger.check"

    def columns(self) -> list[str]:
        return [_("Problem")]

    def rows(self, result: Any) -> list[tuple[Any, ...]]:
        return [(p,) for p in (result or {}).get("problems", [])]

    def summary(self, result: Any, rows: list[tuple[Any, ...]]) -> str:
        if rows:
            return _("The ledger does NOT balance: {n} problem(s)").format(n=len(rows))
        return _("The ledger balances: every transfer sums to zero and no account is overdrawn")
