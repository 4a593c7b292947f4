"""Every `kit.record` a kit sends, once ingest has stored it, goes to the part of the hub it is about:
positions to presence, the evidence bundle (and any record that may complete one) to the evidence
tracker, fingerprint enrolments to the registry, the on-site job's records to the order
(hub/orders/kitrecords.py). Anything else is evidence only: stored, nothing to do.

A refusal never raises: the record stays stored as evidence and the refusal is told to the operators.
"""

from __future__ import annotations

from hub.db import Conn
from hub.evidence.tracker import EvidenceTracker
from hub.orders import kitrecords, tracking
from hub.registry import kit_enrolment, kitsession, presence
from hub.registry.errors import DomainError
from protocol.clock import Clock
from protocol.evidence import BUNDLE_RECORD_KIND
from protocol.messages.kit import KitRecord

POSITION_KIND = "gnss.position"


def on_kit_record(conn: Conn, clock: Clock, evidence: EvidenceTracker, kit_id: str, msg_id: str,
                  rec: KitRecord) -> None:
    if rec.kind == POSITION_KIND:
        if "lat" in rec.data and "lon" in rec.data:
            presence.kit_position(conn, clock, kit_id, float(rec.data["lat"]), float(rec.data["lon"]),
                                  at_ms=rec.captured_at)
            tracking.on_position(conn, clock, kit_id, float(rec.data["lat"]), float(rec.data["lon"]),
                                 at_ms=rec.captured_at)  # the customer watches the locksmith approach
        return  # a position is not an order event and never completes a bundle
    if rec.kind in kitsession.KINDS:  # who is logged in on the kit: dispatch offers only to them (login first)
        kitsession.apply_session_record(conn, clock, kit_id, rec.kind, rec.data, rec.captured_at, msg_id)
        return
    if rec.kind == BUNDLE_RECORD_KIND:
        evidence.on_bundle(conn, kit_id, msg_id, rec.order_id, rec.data)
    else:
        evidence.recheck_waiting(conn, kit_id)
    if rec.kind == kit_enrolment.RECORD_KIND:
        try:
            kit_enrolment.apply_enrolment(conn, clock, kit_id, rec.data)
        except DomainError as exc:
            kitrecords.refused(conn, clock, kit_id, rec.order_id, rec.kind, exc)
    else:
        kitrecords.receive(conn, clock, kit_id, rec.kind, rec.order_id, rec.data, msg_id=msg_id,
                           captured_ms=rec.captured_at)
