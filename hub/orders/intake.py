"""R-3 unlock requests: every field checked, all problems reported at once; then dispatch starts."""

from __future__ import annotations

import msgspec

from hub import police_feed
from hub.db import Conn, transaction
from hub.dispatch.candidates import RULES
from hub.dispatch.settings import load
from hub.orders import dispatching, machine, outbox, store
from hub.registry import validate as v
from hub.timers import scheduler
from hub.timers.scheduler import Handler
from protocol.clock import Clock
from protocol.i18n import _
from protocol.ids import new_id
from protocol.messages.customer import UnlockRequest
from protocol.topics import NAME_RE

DISPATCH_TIMER = "order.dispatch_due"
MAX_AHEAD_MS = 30 * 86_400_000


def check(conn: Conn, req: UnlockRequest, customer_id: str, now_ms: int, *,
          actor: str = "") -> v.Issues:
    """Every problem of a request at once. The ID photos must be at the hub; a customer's own request
    names photos that customer uploaded, an operator's (hotline) any the hub holds."""
    issues = v.Issues()
    uploader = customer_id if actor.startswith("customer:") else None
    if not NAME_RE.match(customer_id):
        issues.add("customer_id", _("lowercase letters, digits and '-', 2 to 63 characters"))
    issues.add("customer_name", v.text(req.customer_name))
    issues.add("customer_mobile", v.mobile(req.customer_mobile))
    issues.add("customer_id_number", v.resident_id(req.customer_id_number))
    issues.add("customer_id_image_sha256", v.stored_image(conn, req.customer_id_image_sha256, uploader=uploader))
    if (req.witness is None) == (req.officer is None):
        msg = _("give either a witness or an on-duty officer, not both and not neither")
        issues.add("witness", msg)
        issues.add("officer", msg)
    if req.witness is not None:
        issues.add("witness.name", v.text(req.witness.name))
        issues.add("witness.id_number", v.resident_id(req.witness.id_number))
        issues.add("witness.id_image_sha256", v.stored_image(conn, req.witness.id_image_sha256, uploader=uploader))
        if req.witness.id_number == req.customer_id_number:
            issues.add("witness.id_number", _("the witness cannot be the customer"))
    if req.officer is not None:
        issues.add("officer.name", v.text(req.officer.name))
        issues.add("officer.badge_number", v.text(req.officer.badge_number, max_len=32))
        issues.add("officer.id_number", v.resident_id(req.officer.id_number))
        issues.add("officer.id_image_sha256", v.stored_image(conn, req.officer.id_image_sha256, uploader=uploader))
    issues.add("site_address", v.text(req.site_address, max_len=400))
    issues.add("site_lat", v.latitude(req.site_lat))
    issues.add("site_lon", v.longitude(req.site_lon))
    issues.add("category", v.one_of(req.category, v.CATEGORIES))
    issues.add("lock_class", v.one_of(req.lock_class, v.LOCK_CLASSES))
    issues.add("rule", v.one_of(req.rule, RULES))
    if req.appointment_ms is not None and not now_ms - 60_000 <= req.appointment_ms <= now_ms + MAX_AHEAD_MS:
        issues.add("appointment_ms", _("appointment must be between now and 30 days ahead"))
    return issues


def create(conn: Conn, clock: Clock, actor: str, customer_id: str, req: UnlockRequest, *,
           event_id: str) -> str:
    """Store a valid request and start dispatch; returns the order id. Idempotent by event id."""
    now = clock.now_ms()
    check(conn, req, customer_id, now, actor=actor).raise_if_any()
    with transaction(conn):
        prior = store.applied_event(conn, event_id)
        if prior is not None:
            return prior.order_id
        settings = load(conn)
        order_id = new_id(now)
        store.insert(conn, store.NewOrder(
            id=order_id, customer_id=customer_id, rule=req.rule, lock_class=req.lock_class, category=req.category,
            site_address=req.site_address, site_lat=req.site_lat, site_lon=req.site_lon,
            appointment_ms=req.appointment_ms, request_json=msgspec.json.encode(req).decode(),
            prepayment_fen=settings.prepayment_fen, deposit_fen=settings.deposit_fen, created_by=actor, created_ms=now))
        police_feed.emit(conn, "order.requested", {"id": order_id, "customer_id": customer_id, "actor": actor,
                                                   "request": msgspec.to_builtins(req), "at_ms": now}, now_ms=now)
        # Before dispatching: its offer or its "nobody available" follows the request in the operators' history
        # (ordered by the outbox's seq, as many events share a second) and on their live stream.
        outbox.event(conn, clock, "order.requested", order_id=order_id, customer_id=customer_id)
        start_at = (req.appointment_ms or now) - settings.appointment_lead_s * 1000
        if start_at > now:
            machine.apply(conn, clock, order_id, "schedule", actor="hub", reason=_("appointment later"),
                          event_id=event_id)
            scheduler.schedule(conn, clock, DISPATCH_TIMER, f"dispatch:{order_id}", start_at, {"order_id": order_id})
        else:
            machine.apply(conn, clock, order_id, "submit", actor="hub", reason=_("request accepted"),
                          event_id=event_id)
            dispatching.advance(conn, clock, order_id, cause=event_id)
        return order_id


def dispatch_due(conn: Conn, clock: Clock, order_id: str, event_id: str) -> None:
    if machine.state_of(conn, order_id) != "scheduled":
        return
    machine.apply(conn, clock, order_id, "dispatch_due", actor="hub", reason=_("appointment approaching"),
                  event_id=event_id)
    dispatching.advance(conn, clock, order_id, cause=event_id)


def _dispatch_due(conn: Conn, clock: Clock, p: dict[str, object], event_id: str) -> None:
    dispatch_due(conn, clock, str(p["order_id"]), event_id)


TIMERS: dict[str, Handler] = {DISPATCH_TIMER: _dispatch_due}
