"""Dispatch and on-site job messages between the hub and a kit (R-5 to R-10)."""

from __future__ import annotations

import msgspec

from protocol.registry import message, retire

_ORDER = "01JGZ0000000000000000000AA"
_OFFER = "01JGZ0000000000000000000AB"

# Contract 2 of the job: the on-site steps travel as `kit.record` job records (protocol/jobrecords.py), set-out
# included; the hub checks the service code and the fingerprint from them. A kit still sending these gets them
# refused with the reason below (quarantined as `retired_type`), never silently ignored.
_UPGRADE = "update the kit software: the on-site job is reported as kit.record job records"
retire("job.step", f"{_UPGRADE} (job.set_out, job.arrived, job.video_started)")
retire("job.verify", f"{_UPGRADE} (job.arrived with its code proof, job.locksmith_verified, customer captures)")
retire("job.fee_received", f"{_UPGRADE} (job.completed)")
retire("job.withdraw", f"{_UPGRADE} (job.aborted by the locksmith)")


@message("job.offer", sender="hub", summary="An offer to this kit's locksmith; it expires at `expires_at`.",
         example=lambda: JobOffer(offer_id=_OFFER, order_id=_ORDER, expires_at=1767225630000, lock_class="B",
                                  category="open", site_address="北京市东城区东长安街1号", site_lat=39.9087,
                                  site_lon=116.3975, eta_s=600, appointment_ms=None))
class JobOffer(msgspec.Struct, frozen=True):
    offer_id: str
    order_id: str
    expires_at: int
    lock_class: str
    category: str
    site_address: str
    site_lat: float
    site_lon: float
    eta_s: int
    appointment_ms: int | None = None


@message("job.accept", sender="kit", summary="The locksmith accepts an open offer.",
         example=lambda: JobAccept(offer_id=_OFFER))
class JobAccept(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    offer_id: str


@message("job.refuse", sender="kit", summary="The locksmith refuses an open offer.",
         example=lambda: JobRefuse(offer_id=_OFFER, reason="busy"))
class JobRefuse(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    offer_id: str
    reason: str = ""


@message("job.offer_closed", sender="hub",
         summary="An offer is over without becoming an order: expired, customer rejected, cancelled.",
         example=lambda: OfferClosed(offer_id=_OFFER, order_id=_ORDER, reason="expired"))
class OfferClosed(msgspec.Struct, frozen=True):
    offer_id: str
    order_id: str
    reason: str


@message("job.order", sender="hub", summary="Order success: the customer accepted and paid; go to the site.",
         example=lambda: JobOrder(order_id=_ORDER, customer_name="张三", customer_mobile="13800138000",
                                  site_address="北京市东城区东长安街1号", site_lat=39.9087, site_lon=116.3975,
                                  lock_class="B", category="open", prepayment_fen=5000, deposit_fen=20000))
class JobOrder(msgspec.Struct, frozen=True):
    order_id: str
    customer_name: str
    customer_mobile: str
    site_address: str
    site_lat: float
    site_lon: float
    lock_class: str
    category: str
    prepayment_fen: int
    deposit_fen: int
    locksmith_id: str = ""
    code_hash: str = ""  # protocol.service_code hash: the kit checks the customer's code, never sees it in clear
    customer_id_number: str = ""  # compared on site with the ID card the customer shows
    witness: dict[str, str] | None = None  # {name, id_number (masked)}
    officer: dict[str, str] | None = None  # {name, badge_no, id_number (masked)}
    appointment_ms: int | None = None


@message("job.result", sender="hub", summary="The hub's answer to a kit's job message (ok, or why it was refused).",
         example=lambda: JobResult(ref="01JGZ0000000000000000000AC", ok=False, code="offer_expired",
                                   message="The offer has expired"))
class JobResult(msgspec.Struct, frozen=True):
    ref: str
    ok: bool
    code: str = ""
    message: str = ""
    order_id: str | None = None


@message("job.cancelled", sender="hub", summary="The order was cancelled or abandoned; stop work.",
         example=lambda: JobCancelled(order_id=_ORDER, reason="customer abandoned"))
class JobCancelled(msgspec.Struct, frozen=True):
    order_id: str
    reason: str
