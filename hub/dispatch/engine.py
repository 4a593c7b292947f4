"""R-5 offers: rank the candidates, make one offer, close it. Only about offers: what the order does when
an offer is made, refused, expires or is accepted is hub/orders/dispatching.py's business.

Every function here runs inside the caller's transaction and leaves its messages in the outbox.
The ranking is recomputed at each offer, so a kit that dropped offline or a locksmith who took another
job since the request is never offered to; those already tried for the order are excluded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hub.db import Conn
from hub.dispatch import candidates, eta, offers
from hub.dispatch.settings import Settings
from hub.orders import outbox
from hub.registry import store as registry_store
from hub.registry.errors import DomainError, NotFound
from hub.timers import scheduler
from protocol.clock import Clock
from protocol.i18n import _
from protocol.ids import new_id
from protocol.messages.job import JobOffer, OfferClosed


class OfferTerms(Protocol):
    """What an offer needs of its order (hub/orders/store.Order has it): where, what, by which rule."""

    @property
    def id(self) -> str: ...
    @property
    def site_lat(self) -> float: ...
    @property
    def site_lon(self) -> float: ...
    @property
    def lock_class(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def site_address(self) -> str: ...
    @property
    def appointment_ms(self) -> int | None: ...


@dataclass(frozen=True)
class Ranked:
    candidate: candidates.Candidate
    eta_s: int


def rank(conn: Conn, order: OfferTerms, settings: Settings) -> list[Ranked]:
    """Candidates for the order, best first under its rule (R-5)."""
    found = candidates.find(conn, tried=frozenset(offers.tried_ns(conn, order.id)), lat=order.site_lat,
                            lon=order.site_lon, lock_class=order.lock_class, category=order.category,
                            rule=order.rule, limit=settings.shortlist)
    if not found:
        return []
    etas = eta.provider(settings).eta_s([(c.lat, c.lon) for c in found], (order.site_lat, order.site_lon))
    ranked = [Ranked(c, e) for c, e in zip(found, etas, strict=True)]
    if order.rule == "eta":
        ranked.sort(key=lambda r: (r.eta_s, r.candidate.n))
    elif order.rule == "quality":
        ranked.sort(key=lambda r: (-r.candidate.quality, r.eta_s, r.candidate.n))
    else:
        ranked.sort(key=lambda r: (-r.candidate.grade_rank, r.eta_s, r.candidate.n))
    return ranked


def open_offer(conn: Conn, order_id: str) -> offers.Offer | None:
    return offers.open_for(conn, order_id)


def offer_row(conn: Conn, offer_id: str) -> offers.Offer | None:
    return offers.get(conn, offer_id)


@dataclass(frozen=True)
class Offered:
    offer_id: str
    expires_ms: int


def make_offer(conn: Conn, clock: Clock, order: OfferTerms, settings: Settings) -> Offered | None:
    """Offer the order to the best remaining candidate (R-5); None when nobody is left. The caller
    (hub/orders/dispatching.py) decides what the order does either way and owns the expiry timer."""
    ranked = rank(conn, order, settings)
    if not ranked:
        return None
    return _offer(conn, clock, order, ranked[0], settings)


def offer_to(conn: Conn, clock: Clock, order: OfferTerms, settings: Settings,
             locksmith_id: str) -> Offered | None:
    """Offer the order to the locksmith an operator chose (hub/orders/assign.py), on the same terms as a
    ranked offer: only if they are a candidate at all (on duty, free, in area and scope, not yet offered
    this order). None otherwise. Their kit still has to accept."""
    tried = frozenset(offers.tried_ns(conn, order.id))
    found = [c for c in candidates.find(conn, tried=tried, lat=order.site_lat, lon=order.site_lon,
                                        lock_class=order.lock_class, category=order.category,
                                        rule=order.rule, limit=100_000) if c.id == locksmith_id]
    if not found:
        return None
    eta_s = eta.provider(settings).eta_s([(found[0].lat, found[0].lon)], (order.site_lat, order.site_lon))[0]
    return _offer(conn, clock, order, Ranked(found[0], eta_s), settings)


def _offer(conn: Conn, clock: Clock, order: OfferTerms, best: Ranked, settings: Settings) -> Offered:
    order_id = order.id
    now = clock.now_ms()
    offer_id = new_id(now)
    expires = now + settings.offer_ttl_s * 1000
    tried = offers.count_for(conn, order_id)
    offers.insert(conn, offers.NewOffer(offer_id, order_id, best.candidate.n, best.candidate.id, best.candidate.kit_id,
                                        tried + 1, best.eta_s, now, expires))
    outbox.put(conn, clock, "kit", best.candidate.kit_id, JobOffer(
        offer_id=offer_id, order_id=order_id, expires_at=expires, lock_class=order.lock_class,
        category=order.category, site_address=order.site_address, site_lat=order.site_lat,
        site_lon=order.site_lon, eta_s=best.eta_s, appointment_ms=order.appointment_ms))
    outbox.event(conn, clock, "offer.sent", order_id=order_id, offer_id=offer_id,
                 locksmith_id=best.candidate.id, eta_s=best.eta_s, rank=tried + 1)
    return Offered(offer_id, expires)


def timer_key(offer_id: str) -> str:
    return f"offer:{offer_id}"


def close_offer(conn: Conn, clock: Clock, offer_id: str, state: str, reason: str, *,
                notify_kit: bool = True) -> bool:
    """Close an open offer (refused, expired, withdrawn); False if it was no longer open."""
    if not offers.close_if_open(conn, offer_id, state, clock.now_ms()):
        return False
    scheduler.cancel(conn, timer_key(offer_id))
    offer = offers.get(conn, offer_id)
    assert offer is not None
    if notify_kit:
        outbox.put(conn, clock, "kit", offer.kit_id, OfferClosed(offer_id, offer.order_id, reason))
    outbox.event(conn, clock, f"offer.{state}", order_id=offer.order_id, offer_id=offer_id,
                 locksmith_id=offer.locksmith_id)
    return True


def mark_accepted(conn: Conn, clock: Clock, offer_id: str) -> None:
    offers.set_state(conn, offer_id, "accepted", clock.now_ms())
    scheduler.cancel(conn, timer_key(offer_id))


def locksmith_eligible(conn: Conn, offer: offers.Offer) -> bool:
    """The offer's locksmith is still on duty, filed, with an operating unit."""
    return registry_store.offerable(conn, int(offer.locksmith_n))


def kit_offer(conn: Conn, kit_id: str, offer_id: str) -> offers.Offer:
    offer = offer_row(conn, offer_id)
    if offer is None:
        raise NotFound("offer", offer_id)
    if offer.kit_id != kit_id:
        raise DomainError("forbidden", _("this offer was made to another kit"))
    return offer
