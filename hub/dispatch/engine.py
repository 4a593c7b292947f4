"""R-5 dispatch: one live offer per order, 30-second durable expiry, next candidate on refusal or expiry.

Every function here runs inside the caller's transaction and leaves its messages in the outbox.
The ranking is recomputed at each step, so a kit that dropped offline or a locksmith who took another
job since the request is never offered to; those already tried for the order are excluded.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from hub.db import transaction
from hub.dispatch import candidates, eta
from hub.dispatch.retry import schedule_retry
from hub.dispatch.settings import Settings, load
from hub.orders import machine, outbox
from hub.registry.errors import CommittedRefusal, DomainError, NotFound
from hub.timers import scheduler
from protocol.clock import Clock
from protocol.i18n import _
from protocol.ids import new_id
from protocol.messages.customer import OrderStatus
from protocol.messages.job import JobOffer, OfferClosed

HUB = "hub"
OFFER_TIMER = "offer.expire"


@dataclass(frozen=True)
class Ranked:
    candidate: candidates.Candidate
    eta_s: int


def rank(conn: sqlite3.Connection, order: sqlite3.Row, settings: Settings) -> list[Ranked]:
    """Candidates for the order, best first under its rule (R-5)."""
    found = candidates.find(conn, order_id=order["id"], lat=order["site_lat"], lon=order["site_lon"],
                            lock_class=order["lock_class"], category=order["category"], rule=order["rule"],
                            limit=settings.shortlist)
    if not found:
        return []
    etas = eta.provider(settings).eta_s([(c.lat, c.lon) for c in found], (order["site_lat"], order["site_lon"]))
    ranked = [Ranked(c, e) for c, e in zip(found, etas, strict=True)]
    if order["rule"] == "eta":
        ranked.sort(key=lambda r: (r.eta_s, r.candidate.n))
    elif order["rule"] == "quality":
        ranked.sort(key=lambda r: (-r.candidate.quality, r.eta_s, r.candidate.n))
    else:
        ranked.sort(key=lambda r: (-r.candidate.grade_rank, r.eta_s, r.candidate.n))
    return ranked


def order_row(conn: sqlite3.Connection, order_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
    if row is None:
        raise NotFound("order", order_id)
    return row


def open_offer(conn: sqlite3.Connection, order_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM offers WHERE order_id = ? AND state = 'open'", (order_id,)).fetchone()


def advance(conn: sqlite3.Connection, clock: Clock, order_id: str, *, cause: str) -> str | None:
    """Offer the order to the best remaining candidate; when none is left, hand it to the operator.
    Returns the new offer id, or None. `cause` makes the follow-on transition ids idempotent."""
    with transaction(conn):
        order = order_row(conn, order_id)
        if order["state"] != "dispatching" or open_offer(conn, order_id) is not None:
            return None
        settings = load(conn)
        ranked = rank(conn, order, settings)
        if not ranked:
            reason = _("no locksmith is available for this request")
            machine.apply(conn, clock, order_id, "exhausted", actor=HUB, reason=reason, event_id=f"{cause}:exhausted")
            retry_at = schedule_retry(conn, clock, order_id)
            told = reason if retry_at is None else _("no locksmith is available right now; we ask again in {m} "
                                                     "minutes").format(m=max(1, (retry_at - clock.now_ms()) // 60_000))
            outbox.event(conn, clock, "order.unassigned", order_id=order_id, reason=reason, retry_at_ms=retry_at)
            outbox.put(conn, clock, "customer", order["customer_id"], OrderStatus(order_id, "unassigned", told))
            return None
        best = ranked[0]
        now = clock.now_ms()
        offer_id = new_id(now)
        expires = now + settings.offer_ttl_s * 1000
        tried = conn.execute("SELECT count(*) FROM offers WHERE order_id = ?", (order_id,)).fetchone()[0]
        conn.execute("INSERT INTO offers(id, order_id, locksmith_n, locksmith_id, kit_id, rank, eta_s, state,"
                     " offered_ms, expires_ms) VALUES (?,?,?,?,?,?,?,'open',?,?)",
                     (offer_id, order_id, best.candidate.n, best.candidate.id, best.candidate.kit_id, tried + 1,
                      best.eta_s, now, expires))
        scheduler.schedule(conn, clock, OFFER_TIMER, f"offer:{offer_id}", expires, {"offer_id": offer_id})
        outbox.put(conn, clock, "kit", best.candidate.kit_id, JobOffer(
            offer_id=offer_id, order_id=order_id, expires_at=expires, lock_class=order["lock_class"],
            category=order["category"], site_address=order["site_address"], site_lat=order["site_lat"],
            site_lon=order["site_lon"], eta_s=best.eta_s, appointment_ms=order["appointment_ms"]))
        outbox.event(conn, clock, "offer.sent", order_id=order_id, offer_id=offer_id,
                     locksmith_id=best.candidate.id, eta_s=best.eta_s, rank=tried + 1)
        return offer_id


def close_offer(conn: sqlite3.Connection, clock: Clock, offer_id: str, state: str, reason: str, *,
                notify_kit: bool = True) -> bool:
    """Close an open offer (refused, expired, withdrawn); False if it was no longer open."""
    cur = conn.execute("UPDATE offers SET state = ?, closed_ms = ? WHERE id = ? AND state = 'open'",
                       (state, clock.now_ms(), offer_id))
    if cur.rowcount == 0:
        return False
    scheduler.cancel(conn, f"offer:{offer_id}")
    offer = conn.execute("SELECT * FROM offers WHERE id = ?", (offer_id,)).fetchone()
    if notify_kit:
        outbox.put(conn, clock, "kit", offer["kit_id"], OfferClosed(offer_id, offer["order_id"], reason))
    outbox.event(conn, clock, f"offer.{state}", order_id=offer["order_id"], offer_id=offer_id,
                 locksmith_id=offer["locksmith_id"])
    return True


def expire(conn: sqlite3.Connection, clock: Clock, offer_id: str, *, cause: str) -> bool:
    """The 30-second timer: acts only if the offer is still open, then moves on to the next candidate."""
    with transaction(conn):
        offer = conn.execute("SELECT * FROM offers WHERE id = ?", (offer_id,)).fetchone()
        if offer is None or not close_offer(conn, clock, offer_id, "expired", "expired"):
            return False
        advance(conn, clock, offer["order_id"], cause=cause)
        return True


def refuse(conn: sqlite3.Connection, clock: Clock, kit_id: str, offer_id: str, reason: str, *, cause: str) -> None:
    with transaction(conn):
        offer = _kit_offer(conn, kit_id, offer_id)
        if offer["state"] == "refused":
            return  # a retry
        if offer["state"] != "open":
            raise DomainError("offer_closed", _("this offer is no longer open: ") + offer["state"])
        late = clock.now_ms() >= offer["expires_ms"]
        if late:
            expire(conn, clock, offer_id, cause=cause)
        else:
            close_offer(conn, clock, offer_id, "refused", reason or "refused", notify_kit=False)
            advance(conn, clock, offer["order_id"], cause=cause)
    if late:  # raised after the commit: the expiry stands, only the answer is a refusal
        raise CommittedRefusal("offer_expired", _("the offer has expired"))


def accept(conn: sqlite3.Connection, clock: Clock, kit_id: str, offer_id: str, *, cause: str) -> str:
    """The locksmith accepts; returns the order id. A late accept expires the offer and is refused."""
    from hub.dispatch import confirm  # the customer-confirmation step follows acceptance

    with transaction(conn):
        offer = _kit_offer(conn, kit_id, offer_id)
        if offer["state"] == "accepted":
            return str(offer["order_id"])  # a retry
        if offer["state"] != "open":
            raise DomainError("offer_closed", _("this offer is no longer open: ") + offer["state"])
        late = clock.now_ms() >= offer["expires_ms"]
        eligible = conn.execute(
            "SELECT 1 FROM locksmiths WHERE n = ? AND status = 'on_duty' AND unit_operating = 1"
            " AND filing_receipt_no != ''", (offer["locksmith_n"],)).fetchone() is not None
        if late:
            expire(conn, clock, offer_id, cause=cause)
        elif not eligible:  # left, or the unit was suspended, while the offer was open
            close_offer(conn, clock, offer_id, "withdrawn", "not_eligible")
            advance(conn, clock, offer["order_id"], cause=cause)
        else:
            conn.execute("UPDATE offers SET state = 'accepted', closed_ms = ? WHERE id = ?",
                         (clock.now_ms(), offer_id))
            scheduler.cancel(conn, f"offer:{offer_id}")
            conn.execute("UPDATE orders SET locksmith_id = ?, locksmith_n = ?, kit_id = ? WHERE id = ?",
                         (offer["locksmith_id"], offer["locksmith_n"], offer["kit_id"], offer["order_id"]))
            machine.apply(conn, clock, offer["order_id"], "locksmith_accepted", actor=f"kit:{kit_id}",
                          reason=_("locksmith accepted the offer"), event_id=cause)
            confirm.send_card(conn, clock, offer["order_id"], offer)
    if late:  # raised after the commit: the expiry stands, only the answer is a refusal
        raise CommittedRefusal("offer_expired", _("the offer has expired"))
    if not eligible:
        raise CommittedRefusal("not_eligible", _("the locksmith is no longer on duty with an operating unit"))
    return str(offer["order_id"])


def _kit_offer(conn: sqlite3.Connection, kit_id: str, offer_id: str) -> sqlite3.Row:
    offer = conn.execute("SELECT * FROM offers WHERE id = ?", (offer_id,)).fetchone()
    if offer is None:
        raise NotFound("offer", offer_id)
    if offer["kit_id"] != kit_id:
        raise DomainError("forbidden", _("this offer was made to another kit"))
    return offer


def release_locksmith(conn: sqlite3.Connection, order_id: str) -> None:
    """Forget the order's locksmith (rejection, withdrawal); their accepted offer keeps them excluded."""
    conn.execute("UPDATE orders SET locksmith_id = NULL, locksmith_n = NULL, kit_id = NULL WHERE id = ?", (order_id,))
