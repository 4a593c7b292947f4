"""Operator requests for documents, follow-up and risk, in the shape of hub/ops/handlers.py
(`handler(conn, clock, actor, args, txn) -> result`). Merged with `HANDLERS.update(POLICE_HANDLERS)`;
the argument structs are protocol.messages.police.POLICE_OPS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from hub.db import Conn
from hub.documents import submissions as docs
from hub.followup import tasks
from hub.followup.gateway import Channel, MessageGateway, NotifyGateway
from hub.registry.errors import DomainError
from hub.risk.warnings import listed
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages import police as m

Handler = Callable[[Conn, Clock, str, Any, str], Any]

GATEWAY: MessageGateway = NotifyGateway()  # SMS through the notification outbox (hub/notify); voice recorded


def _submit(conn: Conn, clock: Clock, actor: str, a: m.DocumentsSubmit, txn: str) -> Any:
    return {"submission_id": docs.submit(conn, clock, order_id=a.order_id, media=a.media, doc_types=a.doc_types,
                                         submitted_by=actor, holder_name=a.holder_name,
                                         holder_id_number=a.holder_id_number, submission_id=txn)}


def _verify(conn: Conn, clock: Clock, actor: str, a: m.DocumentsDecision, txn: str) -> Any:
    return {"state": docs.verify(conn, clock, a.submission_id, operator=actor, reason=a.reason)}


def _reject(conn: Conn, clock: Clock, actor: str, a: m.DocumentsDecision, txn: str) -> Any:
    docs.reject(conn, clock, a.submission_id, operator=actor, reason=a.reason)
    return {"submission_id": a.submission_id, "status": "rejected"}


def _list(conn: Conn, clock: Clock, actor: str, a: m.DocumentsList, txn: str) -> Any:
    return {"submissions": docs.for_order(conn, a.order_id)}


def _followups(conn: Conn, clock: Clock, actor: str, a: m.NoArgs, txn: str) -> Any:
    tasks.sync_tasks(conn, clock)
    return {"tasks": sorted(tasks.open_tasks(conn, clock), key=lambda t: (not t["overdue"], t["due_ms"]))}


def _contact(conn: Conn, clock: Clock, actor: str, a: m.FollowupContact, txn: str) -> Any:
    channel = cast(Channel, a.channel)  # checked by tasks.contact
    return {"ref": tasks.contact(conn, clock, a.order_id, channel, GATEWAY, operator=actor)}


def _record(conn: Conn, clock: Clock, actor: str, a: m.FollowupRecord, txn: str) -> Any:
    channel = cast(Channel, a.channel)  # checked by tasks.record_outcome
    tasks.record_outcome(conn, clock, a.order_id, operator=actor, channel=channel, outcome=a.outcome,
                         rating=a.rating, note=a.note)
    return {"order_id": a.order_id, "status": "done"}


def _risk(conn: Conn, clock: Clock, actor: str, a: m.RiskList, txn: str) -> Any:
    return {"warnings": listed(conn, a.level)}


POLICE_HANDLERS: dict[str, Handler] = {
    "documents.submit": _submit, "documents.verify": _verify, "documents.reject": _reject,
    "documents.list": _list, "followup.list": _followups, "followup.contact": _contact,
    "followup.record": _record, "risk.list": _risk,
}
READ_ONLY = ("documents.list", "followup.list", "risk.list")


def handle_customer_documents(conn: Conn, clock: Clock, customer_id: str,
                              body: m.CustomerDocuments, msg_id: str) -> str:
    """`customer.documents` from the customer app; idempotent by message id. Returns the order id."""
    row = conn.execute("SELECT customer_id FROM orders WHERE id=?", (body.order_id,)).fetchone()
    if row is None or row["customer_id"] != customer_id:
        raise DomainError("forbidden", _("documents can only be submitted for your own order"))
    docs.submit(conn, clock, order_id=body.order_id, media=body.media, doc_types=body.doc_types,
                submitted_by=f"customer:{customer_id}", holder_name=body.holder_name,
                holder_id_number=body.holder_id_number, submission_id=msg_id)
    return body.order_id
