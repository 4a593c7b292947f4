"""An operator sends an order to the locksmith they chose (the console's "assign"), through the same offer
path as dispatch: the chosen locksmith's kit gets an ordinary offer with the ordinary expiry, and has to
accept it; refused or expired, dispatch carries on with the ranking as usual. Also the candidates the
operator chooses from, best first under the order's rule."""

from __future__ import annotations

from typing import Any

from hub.db import Conn, transaction
from hub.dispatch import engine, offers
from hub.dispatch.settings import load
from hub.orders import machine, outbox, store
from hub.orders.dispatching import OFFER_TIMER
from hub.registry import store as registry_store
from hub.registry.errors import DomainError
from hub.timers import scheduler
from protocol.clock import Clock
from protocol.i18n import _

ASSIGNABLE = ("dispatching", "unassigned")


def _name(conn: Conn, locksmith_id: str) -> str:
    return registry_store.name_of(conn, locksmith_id) or locksmith_id


def candidates(conn: Conn, order_id: str) -> list[dict[str, Any]]:
    """Who could be offered the order now, best first under its rule (the dispatch shortlist)."""
    order = store.order_row(conn, order_id)
    return [{"locksmith_id": r.candidate.id, "name": _name(conn, r.candidate.id), "kit_id": r.candidate.kit_id,
             "eta_s": r.eta_s, "dist_km": round(r.candidate.dist_km, 2)}
            for r in engine.rank(conn, order, load(conn))]


def assign(conn: Conn, clock: Clock, actor: str, order_id: str, locksmith_id: str, reason: str, *,
           event_id: str) -> dict[str, Any]:
    """Offer the order to `locksmith_id` now. An unassigned order goes back to dispatching; an open offer
    to someone else is withdrawn first. Refused (nothing changed) if the locksmith cannot take it."""
    with transaction(conn):
        order = store.order_row(conn, order_id)
        if order.state not in ASSIGNABLE:
            raise DomainError("illegal_state", _("only an order still looking for a locksmith can be assigned"))
        name = _name(conn, locksmith_id)
        why = reason or _("assigned by the operator to {name}").format(name=name)
        current = engine.open_offer(conn, order_id)
        if current is not None and current.locksmith_id == locksmith_id:
            return {"offer_id": current.id, "expires_ms": current.expires_ms, "locksmith": name}
        if order.state == "unassigned":
            machine.apply(conn, clock, order_id, "redispatch", actor=actor, reason=why, event_id=f"{event_id}:redispatch")
            offers.forget_refusals(conn, order_id)  # the operator may choose someone who refused earlier
        # Told before the offers it withdraws and makes (the operators' history is in outbox order); a refusal
        # below rolls this back with the rest. The offer's id is in the `offer.sent` that follows.
        outbox.event(conn, clock, "order.assigned", order_id=order_id, locksmith_id=locksmith_id, locksmith=name,
                     actor=actor, reason=why)
        if current is not None:
            engine.close_offer(conn, clock, current.id, "withdrawn", "operator_assigned")
        offered = engine.offer_to(conn, clock, store.order_row(conn, order_id), load(conn), locksmith_id)
        if offered is None:
            # raising rolls the whole change back: the order is as it was
            raise DomainError("not_available", _("{name} cannot be offered this order now: off duty, busy, outside"
                                                 " their area or scope, or already offered it").format(name=name))
        scheduler.schedule(conn, clock, OFFER_TIMER, engine.timer_key(offered.offer_id), offered.expires_ms,
                           {"offer_id": offered.offer_id})
        return {"offer_id": offered.offer_id, "expires_ms": offered.expires_ms, "locksmith": name}
