"""R-6: the customer accepted the locksmith (hub/orders/dispatching.py); the payment freezes prepayment and
deposit and forms the order; a customer who does not confirm or pay in time cancels it."""

from __future__ import annotations

import json

from hub import police_feed
from hub.db import Conn, transaction
from hub.dispatch import offers
from hub.dispatch.settings import load
from hub.ledger.payments import record_payment
from hub.notify import code as notify_code
from hub.orders import code, deadlines, machine, outbox, store
from hub.orders.store import Order
from hub.registry import store as registry_store
from hub.registry.errors import DomainError, NotFound
from hub.timers.scheduler import Handler
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages.customer import LocksmithCard, OrderStatus, OrderSuccess
from protocol.messages.job import JobCancelled, JobOrder

CONFIRM_TIMER = "order.confirm_timeout"
PAYMENT_TIMER = "order.payment_timeout"


def card(conn: Conn, locksmith_id: str, eta_s: int) -> LocksmithCard:
    f = registry_store.face(conn, locksmith_id)
    if f is None:
        raise NotFound("locksmith", locksmith_id)
    return LocksmithCard(f.id, f.name, f.photo_sha256, f.grade, f.unit_name, f.quality, eta_s)


def check_customer(order: Order, customer_id: str | None) -> None:
    if customer_id is not None and order.customer_id != customer_id:
        raise DomainError("forbidden", _("this order belongs to another customer"))


def current_offer(conn: Conn, order_id: str, locksmith_id: str) -> offers.Offer:
    offer = offers.of_locksmith(conn, order_id, locksmith_id)
    assert offer is not None, "an order with a locksmith has that locksmith's offer"
    return offer


def pay(conn: Conn, clock: Clock, actor: str, order_id: str, *, amount_fen: int, provider: str,
        external_ref: str, event_id: str, customer_id: str | None = None) -> str:
    """Prepayment plus deposit received: record it and form the order (the move freezes both holds)."""
    with transaction(conn):
        order = store.order_row(conn, order_id)
        check_customer(order, customer_id)
        if order.state != "awaiting_payment":
            raise machine.IllegalTransition(order_id, order.state, "payment_frozen")
        expected = order.prepayment_fen + order.deposit_fen
        if amount_fen != expected:
            raise DomainError("wrong_amount", _("the payment must be prepayment plus deposit: ") + f"{expected}")
        record_payment(conn, clock, provider=provider, external_ref=external_ref, customer_id=order.customer_id,
                       amount_fen=amount_fen, actor=actor, order_id=order_id)
        form(conn, clock, order_id, actor=actor, event_id=event_id)
        return machine.state_of(conn, order_id)


def form(conn: Conn, clock: Clock, order_id: str, *, actor: str, event_id: str) -> None:
    moved = machine.apply(conn, clock, order_id, "payment_frozen", actor=actor,
                          reason=_("prepayment and deposit frozen"), event_id=event_id)
    if not moved.applied:
        return
    now = clock.now_ms()
    order = store.order_row(conn, order_id)
    plain = code.new_code()
    settings = load(conn)
    code_hash, proof_key = code.issue(plain, settings.code_scrypt_n)
    store.set_code(conn, order_id, code_hash, proof_key, now)
    offer = current_offer(conn, order_id, order.locksmith)
    req = json.loads(order.request_json)
    witness = req.get("witness")
    officer = req.get("officer")
    outbox.put(conn, clock, "kit", order.kit, JobOrder(
        order_id=order_id, customer_name=req["customer_name"], customer_mobile=req["customer_mobile"],
        site_address=order.site_address, site_lat=order.site_lat, site_lon=order.site_lon,
        lock_class=order.lock_class, category=order.category, prepayment_fen=order.prepayment_fen,
        deposit_fen=order.deposit_fen, locksmith_id=order.locksmith, code_hash=code_hash,
        customer_id_number=req["customer_id_number"],
        witness={"name": witness["name"], "id_number": mask(witness["id_number"])} if witness else None,
        officer={"name": officer["name"], "badge_no": officer["badge_number"],
                 "id_number": mask(officer["id_number"])} if officer else None,
        appointment_ms=order.appointment_ms))
    outbox.put(conn, clock, "customer", order.customer_id,
               OrderSuccess(order_id, card(conn, order.locksmith, offer.eta_s), plain), secret=True)
    notify_code.order_formed(conn, clock, order_id, plain)  # sealed for re-sending; SMS to a hotline caller
    deadlines.schedule(conn, clock, order_id, now + settings.documents_ttl_s * 1000)
    outbox.event(conn, clock, "order.formed", order_id=order_id, locksmith_id=order.locksmith_id)
    police_feed.emit(conn, "order.formed", {"id": order_id, "customer_id": order.customer_id,
                                            "locksmith_id": order.locksmith_id, "kit_id": order.kit_id,
                                            "site_address": order.site_address, "site_lat": order.site_lat,
                                            "site_lon": order.site_lon, "lock_class": order.lock_class,
                                            "category": order.category, "at_ms": now}, now_ms=now)


def mask(id_number: str) -> str:
    """Witnesses' and officers' ID numbers go to the kit masked; the hub keeps them for the police."""
    return id_number[:6] + "*" * max(0, len(id_number) - 10) + id_number[-4:]


def confirm_timeout(conn: Conn, clock: Clock, order_id: str, offer_id: str, event_id: str) -> None:
    order = store.order_row(conn, order_id)
    offer = offers.get(conn, offer_id)
    if offer is None or order.state != "awaiting_customer" or order.locksmith_id != offer.locksmith_id:
        return
    reason = _("the customer did not confirm the locksmith in time")
    machine.apply(conn, clock, order_id, "confirm_timeout", actor="hub", reason=reason, event_id=event_id)
    _tell_cancelled(conn, clock, order, reason)


def payment_timeout(conn: Conn, clock: Clock, order_id: str, event_id: str) -> None:
    order = store.order_row(conn, order_id)
    if order.state != "awaiting_payment":
        return
    reason = _("the prepayment and deposit were not paid in time")
    machine.apply(conn, clock, order_id, "payment_timeout", actor="hub", reason=reason, event_id=event_id)
    _tell_cancelled(conn, clock, order, reason)


def _tell_cancelled(conn: Conn, clock: Clock, order: Order, reason: str) -> None:
    if order.kit_id:
        outbox.put(conn, clock, "kit", order.kit_id, JobCancelled(order.id, reason))
    outbox.put(conn, clock, "customer", order.customer_id, OrderStatus(order.id, "cancelled", reason))
    outbox.event(conn, clock, "order.cancelled", order_id=order.id, reason=reason)


def _confirm_due(conn: Conn, clock: Clock, p: dict[str, object], event_id: str) -> None:
    confirm_timeout(conn, clock, str(p["order_id"]), str(p["offer_id"]), event_id)


def _payment_due(conn: Conn, clock: Clock, p: dict[str, object], event_id: str) -> None:
    payment_timeout(conn, clock, str(p["order_id"]), event_id)


TIMERS: dict[str, Handler] = {CONFIRM_TIMER: _confirm_due, PAYMENT_TIMER: _payment_due}
