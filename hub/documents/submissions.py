"""Document photos for an order: submitted by the customer (or an operator for them), verified or
rejected by an operator with a reason. Verification releases the deposit through the order machine
(`hub.orders.settle.documents_verified`, injectable). Every step is forwarded to the police, including
documents that arrive after the police opened a case."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from hub import police_feed
from hub.db import Conn, Row, transaction
from hub.ingest.uploads import stored_copies
from hub.registry.errors import DomainError, NotFound
from protocol.clock import Clock
from protocol.i18n import _
from protocol.ids import new_id

ID_DOC = "id_card"
PROPERTY_DOCS = ("property_deed", "purchase_contract", "vehicle_licence")
DOC_TYPES = (ID_DOC, *PROPERTY_DOCS)
RELEASABLE_STATES = ("awaiting_documents", "case_opened")

# (conn, clock, actor, order_id, reason, event_id) -> the order's new state
DepositRelease = Callable[[Conn, Clock, str, str, str, str], str]


def release_through_orders(conn: Conn, clock: Clock, actor: str, order_id: str, reason: str,
                           event_id: str) -> str:
    from hub.orders import settle

    return settle.documents_verified(conn, clock, actor, order_id, reason, event_id=event_id)


def _media(items: Sequence[dict[str, Any] | str]) -> list[dict[str, str]]:
    out = []
    for item in items:
        ref = {"sha256": item} if isinstance(item, str) else item
        sha = str(ref.get("sha256", ""))
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise DomainError("invalid", _("a document photo must be given by its SHA-256"))
        out.append({"sha256": sha, "kind": str(ref.get("kind") or "document")})
    return out


def submit(conn: Conn, clock: Clock, *, order_id: str, media: Sequence[dict[str, Any] | str],
           doc_types: Sequence[str], submitted_by: str, holder_name: str = "", holder_id_number: str = "",
           submission_id: str | None = None) -> str:
    """Record a submission (idempotent by submission_id) and forward it. Returns the submission id."""
    refs = _media(media)
    if not refs:
        raise DomainError("invalid", _("at least one document photo is needed"))
    unknown = [t for t in doc_types if t not in DOC_TYPES]
    if unknown or not doc_types:
        raise DomainError("invalid", _("document types must be among: ") + ", ".join(DOC_TYPES))
    sid = submission_id or new_id(clock.now_ms())
    with transaction(conn):
        order = conn.execute("SELECT state, documents_overdue FROM orders WHERE id=?", (order_id,)).fetchone()
        if order is None:
            raise NotFound("order", order_id)
        if conn.execute("SELECT 1 FROM document_submissions WHERE id=?", (sid,)).fetchone():
            return sid
        _check_photos(conn, refs, submitted_by, order_id)
        now = clock.now_ms()
        conn.execute(
            "INSERT INTO document_submissions(id, order_id, submitted_by, doc_types_json, media_json, holder_name,"
            " holder_id_number, status, submitted_ms) VALUES (?,?,?,?,?,?,?, 'submitted', ?)",
            (sid, order_id, submitted_by, json.dumps(list(doc_types)), json.dumps(refs), holder_name,
             holder_id_number, now))
        police_feed.emit(conn, "documents.submitted", {
            "id": sid, "order_id": order_id, "submitted_by": submitted_by, "doc_types": list(doc_types),
            "media": refs, "holder_name": holder_name, "holder_id_number": holder_id_number,
            "late": order["state"] == "case_opened" or bool(order["documents_overdue"]), "at_ms": now,
        }, now_ms=now)
    return sid


def _check_photos(conn: Conn, refs: list[dict[str, str]], submitted_by: str, order_id: str) -> None:
    """Every photo named must be stored and verified at the hub; a customer may name only photos they
    uploaded for this order (a hash alone proves nothing about who took the picture)."""
    customer = submitted_by.removeprefix("customer:") if submitted_by.startswith("customer:") else None
    for ref in refs:
        rows = stored_copies(conn, ref["sha256"])
        if not rows:
            raise DomainError("invalid", _("photo {sha} has not reached the hub; upload it first")
                              .format(sha=ref["sha256"][:12]))
        if customer is not None and (customer, order_id) not in rows:
            raise DomainError("forbidden", _("photo {sha} was not uploaded by you for this order")
                              .format(sha=ref["sha256"][:12]))


def _submission(conn: Conn, sid: str) -> Row:
    row = conn.execute("SELECT * FROM document_submissions WHERE id=?", (sid,)).fetchone()
    if row is None:
        raise NotFound("document submission", sid)
    return row


def verify(conn: Conn, clock: Clock, submission_id: str, *, operator: str, reason: str = "",
           release: DepositRelease = release_through_orders) -> str:
    """The operator checked the photos against the customer: the deposit is released. Returns the order state."""
    with transaction(conn):
        sub = _submission(conn, submission_id)
        types = set(json.loads(sub["doc_types_json"]))
        if ID_DOC not in types or not types & set(PROPERTY_DOCS):
            raise DomainError("incomplete", _("verification needs the ID card and a deed, purchase contract or "
                                              "vehicle licence"))
        state = conn.execute("SELECT state FROM orders WHERE id=?", (sub["order_id"],)).fetchone()["state"]
        if sub["status"] == "verified":
            return str(state)
        if state not in RELEASABLE_STATES:
            raise DomainError("too_early", _("documents can be verified once the job is completed (order is {state})")
                              .format(state=state))
        now = clock.now_ms()
        conn.execute("UPDATE document_submissions SET status='verified', reason=?, decided_by=?, decided_ms=? WHERE id=?",
                     (reason, operator, now, submission_id))
        return release(conn, clock, operator, sub["order_id"], reason or _("documents verified"),
                       f"documents_verified:{submission_id}")


def reject(conn: Conn, clock: Clock, submission_id: str, *, operator: str, reason: str) -> None:
    if not reason.strip():
        raise DomainError("invalid", _("a rejection needs a reason"))
    with transaction(conn):
        sub = _submission(conn, submission_id)
        if sub["status"] != "submitted":
            if sub["status"] == "rejected" and sub["reason"] == reason:
                return
            raise DomainError("decided", _("this submission was already decided"))
        now = clock.now_ms()
        conn.execute("UPDATE document_submissions SET status='rejected', reason=?, decided_by=?, decided_ms=? WHERE id=?",
                     (reason, operator, now, submission_id))
        police_feed.emit(conn, "documents.rejected", {"id": submission_id, "order_id": sub["order_id"],
                                                      "operator": operator, "reason": reason, "at_ms": now}, now_ms=now)


def for_order(conn: Conn, order_id: str) -> list[dict[str, Any]]:
    return [{**dict(r), "doc_types": json.loads(r["doc_types_json"]), "media": json.loads(r["media_json"])}
            for r in conn.execute("SELECT * FROM document_submissions WHERE order_id=? ORDER BY submitted_ms",
                                  (order_id,))]


def verified(conn: Conn, order_id: str) -> bool:
    return conn.execute("SELECT 1 FROM document_submissions WHERE order_id=? AND status='verified'",
                        (order_id,)).fetchone() is not None
