"""The on-site job driven by the kit (R-8 to R-10): set out, arrive, verify, start, finish, fee."""

from __future__ import annotations

import sqlite3

from hub import police_feed
from hub.db import transaction
from hub.dispatch import engine
from hub.dispatch.settings import load
from hub.ledger import holds
from hub.orders import arrival, code, machine, outbox, settle
from hub.registry import presence
from hub.registry import validate as v
from hub.registry.errors import CommittedRefusal, DomainError
from hub.timers import scheduler
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages.customer import OrderStatus
from protocol.messages.job import JobVerify

FOLLOWUP_TIMER = "followup.due"
MAX_CODE_FAILURES = 5
STEP_EVENTS = {"set_out": "set_out", "arrived": "arrived", "started": "job_started", "done": "job_done"}


def kit_order(conn: sqlite3.Connection, kit_id: str, order_id: str) -> sqlite3.Row:
    order = engine.order_row(conn, order_id)
    if order["kit_id"] != kit_id:
        raise DomainError("forbidden", _("this order is not assigned to this kit"))
    return order


def step(conn: sqlite3.Connection, clock: Clock, kit_id: str, order_id: str, name: str, *, event_id: str,
         lat: float | None = None, lon: float | None = None) -> str:
    event = STEP_EVENTS.get(name)
    if event is None:
        raise DomainError("invalid", _("unknown step: ") + name)
    with transaction(conn):
        order = kit_order(conn, kit_id, order_id)
        if event == "job_started" and conn.execute(
                "SELECT 1 FROM job_verifications WHERE order_id = ?", (order_id,)).fetchone() is None:
            raise DomainError("not_verified", _("the job cannot start before the on-site verification"))
        moved = machine.apply(conn, clock, order_id, event, actor=f"kit:{kit_id}", reason=name, event_id=event_id)
        if lat is not None and lon is not None:
            presence.kit_position(conn, clock, kit_id, lat, lon)
        if moved.applied:
            if event == "set_out":
                arrival.set_out(conn, clock, order_id)  # the no-show deadline
            outbox.put(conn, clock, "customer", order["customer_id"], OrderStatus(order_id, moved.to_state, name))
            outbox.event(conn, clock, f"order.{moved.to_state}", order_id=order_id)
        return moved.to_state


def verify(conn: sqlite3.Connection, clock: Clock, kit_id: str, body: JobVerify, *, event_id: str) -> str:
    """R-8: the code the customer shows, the locksmith's enrolled finger, the customer's captures."""
    issues = v.Issues()
    for name in ("locksmith_template_sha256", "customer_photo_sha256", "customer_id_photo_sha256",
                 "customer_fp_sha256"):
        issues.add(name, v.sha256(getattr(body, name)))
    issues.raise_if_any()
    failed = False
    with transaction(conn):
        order = kit_order(conn, kit_id, body.order_id)
        if order["state"] == "verified" and conn.execute(
                "SELECT 1 FROM order_transitions WHERE event_id = ?", (event_id,)).fetchone():
            return "verified"
        if order["state"] != "on_site":
            raise machine.IllegalTransition(body.order_id, order["state"], "verified")
        if order["code_failures"] >= MAX_CODE_FAILURES:
            raise DomainError("locked", _("too many wrong codes; the operator must check this order"))
        fp = conn.execute("SELECT template_sha256 FROM locksmith_fingerprints WHERE locksmith_id = ? AND finger = ?",
                          (order["locksmith_id"], body.locksmith_finger)).fetchone()
        if fp is None or fp["template_sha256"] != body.locksmith_template_sha256:
            raise DomainError("fingerprint_mismatch", _("the fingerprint is not one enrolled for this locksmith"))
        if not code.matches(body.service_code, order["code_hash"]):
            conn.execute("UPDATE orders SET code_failures = code_failures + 1 WHERE id = ?", (body.order_id,))
            failed = True
        else:
            now = clock.now_ms()
            conn.execute("INSERT INTO job_verifications(order_id, kit_id, locksmith_finger, locksmith_template_sha256,"
                         " customer_photo_sha256, customer_id_photo_sha256, customer_fp_sha256, verified_ms)"
                         " VALUES (?,?,?,?,?,?,?,?)",
                         (body.order_id, kit_id, body.locksmith_finger, body.locksmith_template_sha256,
                          body.customer_photo_sha256, body.customer_id_photo_sha256, body.customer_fp_sha256, now))
            machine.apply(conn, clock, body.order_id, "verified", actor=f"kit:{kit_id}",
                          reason=_("service code, locksmith fingerprint and customer identity recorded"),
                          event_id=event_id)
            police_feed.emit(conn, "order.verified", {"id": body.order_id, "kit_id": kit_id,
                                                      "locksmith_id": order["locksmith_id"],
                                                      "customer_photo_sha256": body.customer_photo_sha256,
                                                      "customer_id_photo_sha256": body.customer_id_photo_sha256,
                                                      "customer_fp_sha256": body.customer_fp_sha256,
                                                      "at_ms": now}, now_ms=now)
    if failed:  # raised after the commit so the failure count stands
        raise CommittedRefusal("wrong_code", _("the service verification code is wrong"))
    return "verified"


def fee_received(conn: sqlite3.Connection, clock: Clock, kit_id: str, order_id: str, fee_fen: int, method: str, *,
                 event_id: str) -> str:
    """R-10: the locksmith confirms the fee; the prepayment goes back to the customer."""
    if fee_fen < 0:
        raise DomainError("invalid", _("the fee cannot be negative"))
    with transaction(conn):
        order = kit_order(conn, kit_id, order_id)
        moved = machine.apply(conn, clock, order_id, "fee_confirmed", actor=f"kit:{kit_id}",
                              reason=_("fee received: ") + f"{fee_fen} ({method})", event_id=event_id)
        if not moved.applied:
            return machine.state_of(conn, order_id)
        now = clock.now_ms()
        conn.execute("UPDATE orders SET fee_fen = ?, completed_ms = ? WHERE id = ?", (fee_fen, now, order_id))
        holds.resolve(conn, clock, order_id=order_id, purpose="prepayment", outcome="release", actor=f"kit:{kit_id}",
                      memo="R-10")
        scheduler.schedule(conn, clock, FOLLOWUP_TIMER, f"followup:{order_id}", now + load(conn).followup_s * 1000,
                           {"order_id": order_id})
        police_feed.emit(conn, "order.completed", {"id": order_id, "fee_fen": fee_fen, "method": method,
                                                   "locksmith_id": order["locksmith_id"], "at_ms": now}, now_ms=now)
        outbox.put(conn, clock, "customer", order["customer_id"],
                   OrderStatus(order_id, "awaiting_documents", _("prepayment released; please provide documents")))
        outbox.event(conn, clock, "order.completed", order_id=order_id)
        if order["documents_overdue"]:
            settle.documents_deadline(conn, clock, order_id, f"{event_id}:overdue")
        return machine.state_of(conn, order_id)


def withdraw(conn: sqlite3.Connection, clock: Clock, kit_id: str, order_id: str, reason: str, *,
             event_id: str) -> str:
    """The locksmith drops a formed order before arrival: dispatch resumes, the money stays frozen."""
    with transaction(conn):
        order = kit_order(conn, kit_id, order_id)
        moved = machine.apply(conn, clock, order_id, "locksmith_withdrew", actor=f"kit:{kit_id}",
                              reason=reason or _("locksmith withdrew"), event_id=event_id)
        if moved.applied:
            engine.release_locksmith(conn, order_id)
            outbox.put(conn, clock, "customer", order["customer_id"],
                       OrderStatus(order_id, "dispatching", _("the locksmith withdrew; finding another")))
            engine.advance(conn, clock, order_id, cause=event_id)
        return machine.state_of(conn, order_id)
