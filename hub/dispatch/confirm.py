"""R-6: the customer sees the accepting locksmith's identity, accepts or rejects; acceptance plus
payment freezes prepayment and deposit and forms the order."""

from __future__ import annotations

import json
import sqlite3

from hub import police_feed
from hub.db import transaction
from hub.dispatch import engine
from hub.dispatch.settings import load
from hub.ledger import holds
from hub.ledger.core import customer_account
from hub.ledger.payments import record_payment
from hub.notify import code as notify_code
from hub.orders import code, machine, outbox
from hub.registry.errors import DomainError
from hub.timers import scheduler
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages.customer import LocksmithCard, LocksmithCardMsg, OrderStatus, OrderSuccess, PaymentDue
from protocol.messages.job import JobCancelled, JobOrder, OfferClosed

CONFIRM_TIMER = "order.confirm_timeout"
PAYMENT_TIMER = "order.payment_timeout"
DOCUMENTS_TIMER = "documents.deadline"


def card(conn: sqlite3.Connection, locksmith_id: str, eta_s: int) -> LocksmithCard:
    row = conn.execute("SELECT l.id, l.name, l.photo_sha256, l.grade, l.quality, u.name AS unit_name FROM locksmiths l"
                       " JOIN units u ON u.id = l.unit_id WHERE l.id = ?", (locksmith_id,)).fetchone()
    return LocksmithCard(row["id"], row["name"], row["photo_sha256"], row["grade"], row["unit_name"], row["quality"],
                         eta_s)


def send_card(conn: sqlite3.Connection, clock: Clock, order_id: str, offer: sqlite3.Row) -> None:
    order = engine.order_row(conn, order_id)
    due = clock.now_ms() + load(conn).confirm_ttl_s * 1000
    outbox.put(conn, clock, "customer", order["customer_id"],
               LocksmithCardMsg(order_id, card(conn, offer["locksmith_id"], offer["eta_s"]), due))
    scheduler.schedule(conn, clock, CONFIRM_TIMER, f"confirm:{offer['id']}", due,
                       {"order_id": order_id, "offer_id": offer["id"]})
    outbox.event(conn, clock, "order.awaiting_customer", order_id=order_id, locksmith_id=offer["locksmith_id"])


def _check_customer(order: sqlite3.Row, customer_id: str | None) -> None:
    if customer_id is not None and order["customer_id"] != customer_id:
        raise DomainError("forbidden", _("this order belongs to another customer"))


def _current_offer(conn: sqlite3.Connection, order_id: str, locksmith_id: str) -> sqlite3.Row:
    return conn.execute("SELECT * FROM offers WHERE order_id = ? AND locksmith_id = ?",
                        (order_id, locksmith_id)).fetchone()


def decide(conn: sqlite3.Connection, clock: Clock, actor: str, order_id: str, accept: bool, reason: str, *,
           event_id: str, customer_id: str | None = None) -> str:
    """Returns the order's state afterwards."""
    with transaction(conn):
        order = engine.order_row(conn, order_id)
        _check_customer(order, customer_id)
        event = "customer_accepted" if accept else "customer_rejected"
        moved = machine.apply(conn, clock, order_id, event, actor=actor, reason=reason or event, event_id=event_id)
        if not moved.applied:
            return machine.state_of(conn, order_id)
        offer = _current_offer(conn, order_id, order["locksmith_id"])
        scheduler.cancel(conn, f"confirm:{offer['id']}")
        if not accept:
            conn.execute("UPDATE offers SET state = 'rejected' WHERE id = ?", (offer["id"],))
            outbox.put(conn, clock, "kit", offer["kit_id"], OfferClosed(offer["id"], order_id, "customer_rejected"))
            engine.release_locksmith(conn, order_id)
            engine.advance(conn, clock, order_id, cause=event_id)
        elif holds.open_holds(conn, order_id):
            # Money already frozen (the previous locksmith withdrew): the order forms again at once.
            form(conn, clock, order_id, actor="hub", event_id=f"{event_id}:form")
        else:
            due = clock.now_ms() + load(conn).payment_ttl_s * 1000
            outbox.put(conn, clock, "customer", order["customer_id"],
                       PaymentDue(order_id, order["prepayment_fen"], order["deposit_fen"], due))
            scheduler.schedule(conn, clock, PAYMENT_TIMER, f"payment:{order_id}:{event_id}", due,
                               {"order_id": order_id})
        return machine.state_of(conn, order_id)


def pay(conn: sqlite3.Connection, clock: Clock, actor: str, order_id: str, *, amount_fen: int, provider: str,
        external_ref: str, event_id: str, customer_id: str | None = None) -> str:
    """Prepayment plus deposit received: record it, freeze both holds, form the order."""
    with transaction(conn):
        order = engine.order_row(conn, order_id)
        _check_customer(order, customer_id)
        if order["state"] != "awaiting_payment":
            raise machine.IllegalTransition(order_id, order["state"], "payment_frozen")
        expected = order["prepayment_fen"] + order["deposit_fen"]
        if amount_fen != expected:
            raise DomainError("wrong_amount", _("the payment must be prepayment plus deposit: ") + f"{expected}")
        record_payment(conn, clock, provider=provider, external_ref=external_ref, customer_id=order["customer_id"],
                       amount_fen=amount_fen, actor=actor, order_id=order_id)
        owner = customer_account(order["customer_id"])
        holds.freeze(conn, clock, order_id=order_id, purpose="prepayment", owner_account=owner,
                     amount=order["prepayment_fen"], actor=actor)
        holds.freeze(conn, clock, order_id=order_id, purpose="deposit", owner_account=owner,
                     amount=order["deposit_fen"], actor=actor)
        form(conn, clock, order_id, actor=actor, event_id=event_id)
        return machine.state_of(conn, order_id)


def form(conn: sqlite3.Connection, clock: Clock, order_id: str, *, actor: str, event_id: str) -> None:
    moved = machine.apply(conn, clock, order_id, "payment_frozen", actor=actor,
                          reason=_("prepayment and deposit frozen"), event_id=event_id)
    if not moved.applied:
        return
    now = clock.now_ms()
    order = engine.order_row(conn, order_id)
    plain = code.new_code()
    settings = load(conn)
    code_hash = code.hash_code(plain, settings.code_scrypt_n)
    conn.execute("UPDATE orders SET code_hash = ?, code_delivered_ms = ?, code_failures = 0,"
                 " formed_ms = coalesce(formed_ms, ?) WHERE id = ?", (code_hash, now, now, order_id))
    offer = _current_offer(conn, order_id, order["locksmith_id"])
    req = json.loads(order["request_json"])
    witness = req.get("witness")
    officer = req.get("officer")
    outbox.put(conn, clock, "kit", order["kit_id"], JobOrder(
        order_id=order_id, customer_name=req["customer_name"], customer_mobile=req["customer_mobile"],
        site_address=order["site_address"], site_lat=order["site_lat"], site_lon=order["site_lon"],
        lock_class=order["lock_class"], category=order["category"], prepayment_fen=order["prepayment_fen"],
        deposit_fen=order["deposit_fen"], locksmith_id=order["locksmith_id"], code_hash=code_hash,
        customer_id_number=req["customer_id_number"],
        witness={"name": witness["name"], "id_number": mask(witness["id_number"])} if witness else None,
        officer={"name": officer["name"], "badge_no": officer["badge_number"],
                 "id_number": mask(officer["id_number"])} if officer else None,
        appointment_ms=order["appointment_ms"]))
    outbox.put(conn, clock, "customer", order["customer_id"],
               OrderSuccess(order_id, card(conn, order["locksmith_id"], offer["eta_s"]), plain), secret=True)
    notify_code.order_formed(conn, clock, order_id, plain)  # sealed for re-sending; SMS to a hotline caller
    scheduler.schedule(conn, clock, DOCUMENTS_TIMER, f"documents:{order_id}", now + settings.documents_ttl_s * 1000,
                       {"order_id": order_id})
    outbox.event(conn, clock, "order.formed", order_id=order_id, locksmith_id=order["locksmith_id"])
    police_feed.emit(conn, "order.formed", {"id": order_id, "customer_id": order["customer_id"],
                                            "locksmith_id": order["locksmith_id"], "kit_id": order["kit_id"],
                                            "site_address": order["site_address"], "site_lat": order["site_lat"],
                                            "site_lon": order["site_lon"], "lock_class": order["lock_class"],
                                            "category": order["category"], "at_ms": now}, now_ms=now)


def mask(id_number: str) -> str:
    """Witnesses' and officers' ID numbers go to the kit masked; the hub keeps them for the police."""
    return id_number[:6] + "*" * max(0, len(id_number) - 10) + id_number[-4:]


def confirm_timeout(conn: sqlite3.Connection, clock: Clock, order_id: str, offer_id: str, event_id: str) -> None:
    order = engine.order_row(conn, order_id)
    offer = conn.execute("SELECT * FROM offers WHERE id = ?", (offer_id,)).fetchone()
    if order["state"] != "awaiting_customer" or order["locksmith_id"] != offer["locksmith_id"]:
        return
    reason = _("the customer did not confirm the locksmith in time")
    machine.apply(conn, clock, order_id, "confirm_timeout", actor="hub", reason=reason, event_id=event_id)
    _tell_cancelled(conn, clock, order, reason)


def payment_timeout(conn: sqlite3.Connection, clock: Clock, order_id: str, event_id: str) -> None:
    order = engine.order_row(conn, order_id)
    if order["state"] != "awaiting_payment":
        return
    reason = _("the prepayment and deposit were not paid in time")
    machine.apply(conn, clock, order_id, "payment_timeout", actor="hub", reason=reason, event_id=event_id)
    _tell_cancelled(conn, clock, order, reason)


def _tell_cancelled(conn: sqlite3.Connection, clock: Clock, order: sqlite3.Row, reason: str) -> None:
    from hub.orders.settle import release_all  # settle builds on dispatch; imported late to avoid a cycle

    release_all(conn, clock, order["id"], "hub")
    if order["kit_id"]:
        outbox.put(conn, clock, "kit", order["kit_id"], JobCancelled(order["id"], reason))
    outbox.put(conn, clock, "customer", order["customer_id"], OrderStatus(order["id"], "cancelled", reason))
    outbox.event(conn, clock, "order.cancelled", order_id=order["id"], reason=reason)
