"""Documents of an order (R-11): the customer's submissions, verified (releases the deposit) or rejected
with a reason by the operator."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Static

from lockwarden.console.actions import Ask
from lockwarden.console.fmt import mask_id, refusal, short, when
from protocol.i18n import _


def doc_type_label(kind: str) -> str:
    return {"id_card": _("ID card"), "property_deed": _("property deed"),
            "purchase_contract": _("house purchase contract"), "vehicle_licence": _("vehicle licence")}.get(kind, kind)


def status_label(status: str) -> str:
    return {"submitted": _("waiting for a check"), "verified": _("verified"), "rejected": _("rejected")}.get(
        status, status)


class DocumentsScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    DocumentsScreen { align: center middle; }
    DocumentsScreen > Vertical { width: 95%; height: 85%; border: thick $accent; padding: 0 1; background: $surface; }
    DocumentsScreen DataTable { height: 1fr; }
    DocumentsScreen .error { color: $error; }
    DocumentsScreen Horizontal { height: auto; }
    """
    BINDINGS = [Binding("escape", "close", _("Close"))]

    def __init__(self, ask: Ask, order_id: str) -> None:
        super().__init__()
        self.ask = ask
        self.order_id = order_id
        self.submissions: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Documents of order {order}").format(order=short(self.order_id)))
            table: DataTable[str] = DataTable(cursor_type="row", id="docs-table")
            table.add_columns(_("Submission"), _("Documents"), _("Holder"), _("Holder ID number"), _("Status"),
                              _("Reason"), _("Submitted"))
            yield table
            yield Label(_("Reason (required to reject)"))
            yield Input(id="doc-reason")
            yield Static("", id="doc-status", classes="error")
            with Horizontal():
                yield Button(_("Verify"), id="verify", variant="success")
                yield Button(_("Reject"), id="reject", variant="error")
                yield Button(_("Close"), id="close")

    async def on_mount(self) -> None:
        await self.reload()

    async def reload(self) -> None:
        resp = await self.ask("documents.list", {"order_id": self.order_id})
        status = self.query_one("#doc-status", Static)
        if not resp.get("ok"):
            status.update(refusal(resp))
            return
        self.submissions = list((resp.get("result") or {}).get("submissions", []))
        table = self.query_one(DataTable)
        table.clear()
        for s in self.submissions:
            table.add_row(short(s["id"]), ", ".join(doc_type_label(t) for t in s.get("doc_types") or []),
                          s.get("holder_name") or "", mask_id(s.get("holder_id_number")),
                          status_label(str(s.get("status"))), s.get("reason") or "", when(s.get("submitted_ms")),
                          key=s["id"])
        if not self.submissions:
            status.update(_("No documents submitted for this order yet."))

    def current(self) -> str | None:
        table = self.query_one(DataTable)
        if not self.submissions or table.cursor_row < 0:
            return None
        return str(self.submissions[min(table.cursor_row, len(self.submissions) - 1)]["id"])

    async def decide(self, op: str) -> None:
        status = self.query_one("#doc-status", Static)
        submission = self.current()
        if submission is None:
            status.update(_("No submission selected."))
            return
        reason = self.query_one("#doc-reason", Input).value.strip()
        if op == "documents.reject" and not reason:
            status.update(_("Give the reason for rejecting."))
            return
        resp = await self.ask(op, {"submission_id": submission, "reason": reason})
        await self.reload()
        status.update(_("Done.") if resp.get("ok") else refusal(resp))

    def action_close(self) -> None:
        self.dismiss(True)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "verify":
            await self.decide("documents.verify")
        elif event.button.id == "reject":
            await self.decide("documents.reject")
        else:
            self.action_close()
