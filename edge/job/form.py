"""The unlock registration form, built from the job's order, the locksmith's profile and its records."""

from __future__ import annotations

from typing import Any

from edge.job.config import LocksmithProfile
from edge.job.idstep import form_id
from edge.job.order import OrderInfo
from edge.job.steps import Step
from edge.store import KitStore
from protocol.regform import EvidenceHash, FormTimes, LocksmithInfo, Person, RegistrationForm, Voucher


def build_form(
    store: KitStore,
    order: OrderInfo,
    profile: LocksmithProfile | None,
    step_times: dict[Step, int],
    info: dict[str, Any],
) -> RegistrationForm:
    """The full (police) copy; `protocol.regform.masked_copy` gives the one shown on screens."""
    evidence = [EvidenceHash(kind=r.kind, ref=r.id, sha256=r.sha256) for r in store.records_for_order(order.order_id)]
    evidence += [EvidenceHash(kind=f.kind, ref=f.file_id, sha256=f.sha256, plain_sha256=f.plain_sha256)
                 for f in store.files_for_order(order.order_id)]
    id_ = form_id(store, order.order_id, info, order.customer_id_number)  # as read from the card at the ID step
    voucher = None
    if order.voucher is not None:
        voucher = Voucher(role="officer" if order.voucher.role == "officer" else "witness", name=order.voucher.name, id_number=order.voucher.id_number,
                          badge_no=order.voucher.badge_no)
    locksmith = LocksmithInfo(
        locksmith_id=order.locksmith_id,
        name=profile.name if profile else order.locksmith_id,
        work_no=profile.work_no if profile else "",
        id_number=profile.id_number if profile else "",
        unit=profile.unit if profile else "",
    )
    return RegistrationForm(
        order_id=order.order_id,
        kit_id=store.identity.kit_id,
        customer=Person(name=order.customer_name, id_number=id_.number, mobile=order.customer_mobile),
        customer_id_check=id_.check,
        customer_id_skip_reason=id_.skip_reason,
        voucher=voucher,
        locksmith=locksmith,
        site_address=order.site_address,
        site_lat=order.site_lat,
        site_lon=order.site_lon,
        lock_type=order.lock_type,
        category=order.category,
        arrival_distance_m=info.get("distance_m"),
        arrival_flagged=bool(info.get("arrival_flagged", False)),
        fee_fen=info.get("fee_fen"),
        payment_received=bool(info.get("payment_received", False)),
        times=FormTimes(
            assigned_ms=step_times.get(Step.ASSIGNED),
            arrived_ms=step_times.get(Step.ARRIVED),
            verified_ms=step_times.get(Step.CUSTOMER_FINGERPRINT),
            opened_ms=step_times.get(Step.OPENED),
            completed_ms=step_times.get(Step.COMPLETED),
        ),
        evidence=evidence,
        generated_ms=store.clock.now_ms(),
    )
