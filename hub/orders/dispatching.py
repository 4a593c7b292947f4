"""The order while it looks for a locksmith (R-5, R-6): offering it, what an offer's refusal, expiry or
acceptance does to the order, and the customer's decision on the accepting locksmith. The offers
themselves are hub/dispatch/engine.py's; payment and forming the order are hub/orders/confirm.py's.

Every function runs inside the caller's transaction (or its own) and leaves its messages in the outbox.
"""

from __future__ import annotations

from hub.db import Conn, transaction
from hub.dispatch import engine, offers
from hub.dispatch.retry import schedule_retry
from hub.dispatch.settings import load
from hub.ledger import holds
from hub.orders import confirm, machine, outbox, store
from hub.registry.errors import CommittedRefusal, DomainError
from hub.timers import scheduler
from hub.timers.scheduler import Handler
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages.customer import LocksmithCardMsg, OrderStatus, PaymentDue
from protocol.messages.job import OfferClosed

HUB = "hub"
OFFER_TIMER = "offer.expire"


def advance(conn: Conn, clock: Clock, order_id: str, *, cause: str) -> str | None:
    """Offer the order to the best remaining candidate; when none is left, hand it to the operator.
    Returns the new offer id, or None. `cause` makes the follow-on transition ids idempotent."""
    with transaction(conn):
        order = store.order_row(conn, order_id)
        if order.state != "dispatching" or engine.open_offer(conn, order_id) is not None:
            return None
        offered = engine.make_offer(conn, clock, order, load(conn))
        if offered is not None:
            scheduler.schedule(conn, clock, OFFER_TIMER, engine.timer_key(offered.offer_id), offered.expires_ms,
                               {"offer_id": offered.offer_id})
            return offered.offer_id
        reason = _("no locksmith is available for this request")
        machine.apply(conn, clock, order_id, "exhausted", actor=HUB, reason=reason, event_id=f"{cause}:exhausted")
        retry_at = schedule_retry(conn, clock, order_id)
        told = reason if retry_at is None else _("no locksmith is available right now; we ask again in {m} "
                                                 "minutes").format(m=max(1, (retry_at - clock.now_ms()) // 60_000))
        outbox.event(conn, clock, "order.unassigned", order_id=order_id, reason=reason, retry_at_ms=retry_at)
        outbox.put(conn, clock, "customer", order.customer_id, OrderStatus(order_id, "unassigned", told))
        return None


def expire(conn: Conn, clock: Clock, offer_id: str, *, cause: str) -> bool:
    """The 30-second timer: acts only if the offer is still open, then moves on to the next candidate."""
    with transaction(conn):
        offer = engine.offer_row(conn, offer_id)
        if offer is None or not engine.close_offer(conn, clock, offer_id, "expired", "expired"):
            return False
        advance(conn, clock, offer.order_id, cause=cause)
        return True


def refuse(conn: Conn, clock: Clock, kit_id: str, offer_id: str, reason: str, *, cause: str) -> None:
    with transaction(conn):
        offer = engine.kit_offer(conn, kit_id, offer_id)
        if offer.state == "refused":
            return  # a retry
        if offer.state != "open":
            raise DomainError("offer_closed", _("this offer is no longer open: ") + offer.state)
        late = clock.now_ms() >= offer.expires_ms
        if late:
            expire(conn, clock, offer_id, cause=cause)
        else:
            engine.close_offer(conn, clock, offer_id, "refused", reason or "refused", notify_kit=False)
            advance(conn, clock, offer.order_id, cause=cause)
    if late:  # raised after the commit: the expiry stands, only the answer is a refusal
        raise CommittedRefusal("offer_expired", _("the offer has expired"))


def accept(conn: Conn, clock: Clock, kit_id: str, offer_id: str, *, cause: str) -> str:
    """The locksmith accepts; returns the order id. A late accept expires the offer and is refused."""
    with transaction(conn):
        offer = engine.kit_offer(conn, kit_id, offer_id)
        if offer.state == "accepted":
            return str(offer.order_id)  # a retry
        if offer.state != "open":
            raise DomainError("offer_closed", _("this offer is no longer open: ") + offer.state)
        late = clock.now_ms() >= offer.expires_ms
        eligible = engine.locksmith_eligible(conn, offer)
        if late:
            expire(conn, clock, offer_id, cause=cause)
        elif not eligible:  # left, or the unit was suspended, while the offer was open
            engine.close_offer(conn, clock, offer_id, "withdrawn", "not_eligible")
            advance(conn, clock, offer.order_id, cause=cause)
        else:
            engine.mark_accepted(conn, clock, offer_id)
            store.assign_locksmith(conn, offer.order_id, offer.locksmith_id, offer.locksmith_n, offer.kit_id)
            machine.apply(conn, clock, offer.order_id, "locksmith_accepted", actor=f"kit:{kit_id}",
                          reason=_("locksmith accepted the offer"), event_id=cause)
            send_card(conn, clock, offer.order_id, offer)
    if late:  # raised after the commit: the expiry stands, only the answer is a refusal
        raise CommittedRefusal("offer_expired", _("the offer has expired"))
    if not eligible:
        raise CommittedRefusal("not_eligible", _("the locksmith is no longer on duty with an operating unit"))
    return str(offer.order_id)


def send_card(conn: Conn, clock: Clock, order_id: str, offer: offers.Offer) -> None:
    order = store.order_row(conn, order_id)
    due = clock.now_ms() + load(conn).confirm_ttl_s * 1000
    outbox.put(conn, clock, "customer", order.customer_id,
               LocksmithCardMsg(order_id, confirm.card(conn, offer.locksmith_id, offer.eta_s), due))
    scheduler.schedule(conn, clock, confirm.CONFIRM_TIMER, f"confirm:{offer.id}", due,
                       {"order_id": order_id, "offer_id": offer.id})
    outbox.event(conn, clock, "order.awaiting_customer", order_id=order_id, locksmith_id=offer.locksmith_id)


def decide(conn: Conn, clock: Clock, actor: str, order_id: str, accept: bool, reason: str, *,
           event_id: str, customer_id: str | None = None) -> str:
    """Returns the order's state afterwards."""
    with transaction(conn):
        order = store.order_row(conn, order_id)
        confirm.check_customer(order, customer_id)
        event = "customer_accepted" if accept else "customer_rejected"
        moved = machine.apply(conn, clock, order_id, event, actor=actor, reason=reason or event, event_id=event_id)
        if not moved.applied:
            return machine.state_of(conn, order_id)
        offer = confirm.current_offer(conn, order_id, order.locksmith)
        scheduler.cancel(conn, f"confirm:{offer.id}")
        if not accept:
            offers.set_state(conn, offer.id, "rejected")
            outbox.put(conn, clock, "kit", offer.kit_id, OfferClosed(offer.id, order_id, "customer_rejected"))
            store.release_locksmith(conn, order_id)
            advance(conn, clock, order_id, cause=event_id)
        elif holds.open_holds(conn, order_id):
            # Money already frozen (the previous locksmith withdrew): the order forms again at once.
            confirm.form(conn, clock, order_id, actor="hub", event_id=f"{event_id}:form")
        else:
            due = clock.now_ms() + load(conn).payment_ttl_s * 1000
            outbox.put(conn, clock, "customer", order.customer_id,
                       PaymentDue(order_id, order.prepayment_fen, order.deposit_fen, due))
            scheduler.schedule(conn, clock, confirm.PAYMENT_TIMER, f"payment:{order_id}:{event_id}", due,
                               {"order_id": order_id})
        return machine.state_of(conn, order_id)


def _offer_expired(conn: Conn, clock: Clock, p: dict[str, object], event_id: str) -> None:
    expire(conn, clock, str(p["offer_id"]), cause=event_id)


TIMERS: dict[str, Handler] = {OFFER_TIMER: _offer_expired}
