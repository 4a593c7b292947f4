"""A tab that shows one read-only op as a table: subclasses name the op, the columns and the rows."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from lockwarden.console.actions import Ask
from lockwarden.console.fmt import refusal


class ListPane(Vertical):
    DEFAULT_CSS = """
    ListPane > DataTable { height: 1fr; }
    ListPane > .status { height: auto; color: $text-muted; }
    """
    op = ""
    args: dict[str, Any] = {}

    async def fetch(self, ask: Ask) -> dict[str, Any]:
        """The response to show; one op by default."""
        return await ask(self.op, dict(self.args))

    def columns(self) -> list[str]:
        raise NotImplementedError

    def rows(self, result: Any) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def summary(self, result: Any, rows: list[tuple[Any, ...]]) -> str:
        return ""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        # Kept rather than queried: answers can land while a form is on top or the app is closing.
        self.status = Static("", classes="status")
        self.table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)

    def compose(self) -> ComposeResult:
        yield self.status
        self.table.add_columns(*self.columns())
        yield self.table

    def show(self, response: dict[str, Any]) -> None:
        status = self.status
        if not response.get("ok"):
            status.update(refusal(response))
            return
        rows = self.rows(response.get("result"))
        table = self.table
        table.clear()
        for row in rows:
            table.add_row(*[cell if isinstance(cell, Text) else str(cell) for cell in row])
        status.update(self.summary(response.get("result"), rows))
