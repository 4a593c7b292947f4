"""The kit's job records (`kit.record` with an order id, protocol.jobrecords) mapped onto order events.

Every step of the on-site job reaches the hub this one way, set-out included. The hub believes no claim it
can check itself:
- the arrival must carry a proof of the service code (protocol.service_code: an HMAC keyed by what only
  the code gives), checked against the key of the code this hub issued for the order;
- the locksmith's verification names the matched template, which must be one enrolled for the order's
  locksmith (hub/registry: `locksmith_fingerprints`);
- the job may start only once the customer's photo, ID photo and fingerprint named in the kit's records
  have reached the hub (setting `start_requires_upload`, on by default).
A refused record leaves the order as it was and is raised as a DomainError (the caller tells the operators);
it stays stored as evidence by ingest and is forwarded to the police with the refusal. Records that carry
facts the police need (protocol.jobrecords.POLICE_KINDS) are forwarded one by one, not only as a hash in
the evidence bundle. Call `apply_kit_record` after ingest stored the record; it is idempotent by msg_id.
"""

from __future__ import annotations

from typing import Any

from hub import police_feed
from hub.db import Conn, transaction
from hub.dispatch.settings import load
from hub.evidence.ingest_lookup import IngestLookup
from hub.orders import code, job, machine, outbox, store
from hub.orders.store import Order
from hub.registry.errors import DomainError
from hub.registry.locksmiths import finger_of_template
from protocol import labels
from protocol.clock import Clock
from protocol.i18n import _
from protocol.jobrecords import (
    POLICE_KINDS,
    Aborted,
    AnyJobRecord,
    Arrived,
    BadRecord,
    Completed,
    FileRecord,
    LocksmithVerified,
    RecordKind,
    decode,
    is_job_kind,
    kind_of,
)

K = RecordKind
# The records that make up the R-8 verification, kept per order once the hub accepted them.
VERIFICATION_NEEDS = (K.ARRIVED, K.LOCKSMITH_VERIFIED, K.CONSENTED, K.CUSTOMER_PHOTO, K.ID_PHOTO,
                      K.CUSTOMER_FINGERPRINT)
IDENTITY = (K.CUSTOMER_PHOTO, K.ID_PHOTO, K.CUSTOMER_FINGERPRINT)


def apply_kit_record(conn: Conn, clock: Clock, kit_id: str, kind: str, order_id: str | None,
                     data: dict[str, Any], *, msg_id: str, captured_ms: int | None = None) -> str | None:
    """Returns the order's state after the record, or None when the record is not an order's job record."""
    if not is_job_kind(kind) or not order_id:
        return None
    try:
        rec = decode(kind, data)
    except BadRecord as exc:
        raise DomainError("bad_record", _("malformed job record: {error}").format(error=exc)) from exc
    refused: DomainError | None = None
    with transaction(conn):
        order = job.kit_order(conn, kit_id, order_id)
        try:
            with transaction(conn):  # the order moves all or nothing; a refusal leaves it as it was
                _check(conn, rec, order, data)
                if kind_of(rec) in VERIFICATION_NEEDS:
                    store.put_evidence(conn, order_id, kind, kit_id, data, clock.now_ms())
                _move(conn, clock, kit_id, rec, order, msg_id)
        except DomainError as exc:
            refused = exc
        if kind_of(rec) in POLICE_KINDS:
            _forward(conn, clock, kit_id, order, kind, data, msg_id, captured_ms, refused)
        state = machine.state_of(conn, order_id)
    if refused is not None:
        raise refused
    return state


def receive(conn: Conn, clock: Clock, kit_id: str, kind: str, order_id: str | None,
            data: dict[str, Any], *, msg_id: str, captured_ms: int | None = None) -> DomainError | None:
    """`apply_kit_record` as the hub service runs it for every stored `kit.record`: a refusal is told to the
    operators (`kit_record_refused`) and returned, never raised (the record itself is stored evidence)."""
    try:
        apply_kit_record(conn, clock, kit_id, kind, order_id, data, msg_id=msg_id, captured_ms=captured_ms)
    except DomainError as exc:
        refused(conn, clock, kit_id, order_id, kind, exc)
        return exc
    return None


def refused(conn: Conn, clock: Clock, kit_id: str, order_id: str | None, kind: str,
            exc: DomainError) -> None:
    outbox.event(conn, clock, "kit_record_refused", kit_id=kit_id, order_id=order_id, record_kind=kind,
                 code=exc.code, message=exc.message)


# -- what the hub checks itself ----------------------------------------------------------------------------
def _check(conn: Conn, rec: AnyJobRecord, order: Order, data: dict[str, Any]) -> None:
    if isinstance(rec, Arrived):
        if not rec.code_checked:
            raise DomainError("not_verified", _("arrival without a checked service code"))
        if not code.proof_ok(conn, order.id, data):
            raise DomainError("wrong_code_proof", _("the arrival does not prove the service code this hub issued "
                                                    "for the order"))
    elif isinstance(rec, LocksmithVerified):
        if enrolled_finger(conn, order.locksmith, rec.template_sha256) is None:
            raise DomainError("fingerprint_mismatch", _("the fingerprint is not one enrolled for this locksmith"))
    elif kind_of(rec) == K.VIDEO_STARTED and order.state == "verified" and load(conn).start_requires_upload:
        waiting = identity_not_uploaded(conn, order.id)
        if waiting:
            raise DomainError("identity_not_uploaded", _("the job cannot start before the customer's identity "
                                                         "captures reached the hub: ") + ", ".join(map(labels.police_kind, waiting)))


def enrolled_finger(conn: Conn, locksmith_id: str, template_sha256: str) -> str | None:
    """The finger of `locksmith_id` enrolled with this template, or None."""
    return finger_of_template(conn, locksmith_id, template_sha256)


def identity_not_uploaded(conn: Conn, order_id: str) -> list[str]:
    """Kinds of the accepted identity records whose file the hub does not hold complete (or has no record of)."""
    rows = store.evidence(conn, order_id)
    lookup = IngestLookup(conn)
    return [k.value for k in IDENTITY if k.value not in rows or not lookup.has_media(str(rows[k.value]["sha256"]))]


# -- the order's moves -------------------------------------------------------------------------------------------
def _move(conn: Conn, clock: Clock, kit_id: str, rec: AnyJobRecord, order: Order,
          msg_id: str) -> None:
    order_id = order.id
    kind = kind_of(rec)
    pos = rec.position
    lat, lon = (pos.lat, pos.lon) if pos is not None else (None, None)
    if kind == K.SET_OUT:
        job.step(conn, clock, kit_id, order_id, "set_out", event_id=msg_id, lat=lat, lon=lon)
    elif kind == K.ARRIVED:
        if order.state == "formed":  # arriving proves setting out, even if the kit never said so
            job.step(conn, clock, kit_id, order_id, "set_out", event_id=f"{msg_id}:set_out")
        job.step(conn, clock, kit_id, order_id, "arrived", event_id=msg_id, lat=lat, lon=lon)
    elif kind == K.CUSTOMER_FINGERPRINT:
        _verified(conn, clock, kit_id, order, msg_id)
    elif kind == K.VIDEO_STARTED:
        job.step(conn, clock, kit_id, order_id, "started", event_id=msg_id)
    elif isinstance(rec, Completed):
        if machine.state_of(conn, order_id) == "in_progress":
            job.step(conn, clock, kit_id, order_id, "done", event_id=f"{msg_id}:done")
        if rec.payment_received:
            job.fee_received(conn, clock, kit_id, order_id, rec.fee_fen, rec.method, event_id=msg_id)
    elif isinstance(rec, Aborted):
        if rec.by == "locksmith" and order.state in ("formed", "en_route"):
            job.withdraw(conn, clock, kit_id, order_id, rec.reason, event_id=msg_id)
        else:  # the money outcome depends on why: the operator decides (order.cancel / order.dispute)
            outbox.event(conn, clock, "order.kit_aborted", order_id=order_id, reason=rec.reason, by=rec.by,
                         at_step=rec.at_step)


def _verified(conn: Conn, clock: Clock, kit_id: str, order: Order, msg_id: str) -> None:
    order_id = order.id
    rows = {kind: decode(kind, data) for kind, data in store.evidence(conn, order_id).items()}
    missing = [k.value for k in VERIFICATION_NEEDS if k.value not in rows]
    consent = rows.get(K.CONSENTED.value)
    if missing or not getattr(consent, "given", False):
        raise DomainError("not_verified", _("verification incomplete: ")
                          + ", ".join(map(labels.police_kind, missing or [K.CONSENTED.value])))
    if machine.state_of(conn, order_id) != "on_site":
        return
    lv = rows[K.LOCKSMITH_VERIFIED.value]
    assert isinstance(lv, LocksmithVerified)
    finger = enrolled_finger(conn, order.locksmith, lv.template_sha256) or ""
    photo, id_photo, fp = (_sha(rows[k.value]) for k in IDENTITY)
    now = clock.now_ms()
    store.put_verification(conn, store.Verification(order_id, kit_id, finger, lv.template_sha256, photo, id_photo, fp,
                                                    now))
    moved = machine.apply(conn, clock, order_id, "verified", actor=f"kit:{kit_id}",
                          reason=_("service code proven, locksmith fingerprint matched an enrolled one, customer "
                                   "identity recorded"), event_id=msg_id)
    if moved.applied:
        police_feed.emit(conn, "order.verified", {
            "id": order_id, "kit_id": kit_id, "locksmith_id": order.locksmith_id, "locksmith_finger": finger,
            "locksmith_template_sha256": lv.template_sha256, "customer_photo_sha256": photo,
            "customer_id_photo_sha256": id_photo, "customer_fp_sha256": fp, "at_ms": now}, now_ms=now)


def _sha(rec: AnyJobRecord) -> str:
    """The capture's own hash (of the content, also when the file travelled sealed)."""
    assert isinstance(rec, FileRecord)
    return rec.plain_sha256 or rec.sha256


def _forward(conn: Conn, clock: Clock, kit_id: str, order: Order, kind: str,
             data: dict[str, Any], msg_id: str, captured_ms: int | None, refused: DomainError | None) -> None:
    if police_feed.has_entry(conn, kind, order.id, "record_id", msg_id):
        return  # applied again (a retry of the same record): forwarded once
    now = clock.now_ms()
    police_feed.emit(conn, kind, {
        "id": order.id, "order_id": order.id, "kit_id": kit_id, "locksmith_id": order.locksmith_id,
        "record_id": msg_id, "captured_ms": captured_ms, "record": data,
        "refused": {"code": refused.code, "message": refused.message} if refused is not None else None,
        "at_ms": now}, now_ms=now)
