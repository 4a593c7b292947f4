"""A whole job in one call, for the demo and end-to-end tests: the same steps a locksmith takes, with a
hook before each step that needs a person (placing a finger, letting the video run)."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

from edge.job.flow import JobFlow
from edge.job.idnumber import IdEntry
from edge.job.steps import Step
from protocol.evidence import EvidenceManifest


class Cue(StrEnum):
    LOCKSMITH_FINGER = "locksmith_finger"  # before login and the order's fingerprint verification
    CUSTOMER_FINGER = "customer_finger"  # before the customer's fingerprint capture
    VIDEO_RUNNING = "video_running"  # the video runs: let some of it be recorded
    LOCK_OPENING = "lock_opening"  # between the photo before and "opened"


def walk_job(
    flow: JobFlow,
    order_id: str,
    code: str,
    fee_fen: int,
    *,
    cue: Callable[[Cue], None] = lambda c: None,
    pin: tuple[str, str] | None = None,
    customer_id_number: str | None = None,
    id_entry: IdEntry | None = None,
    upload_wait_s: float = 60.0,
) -> EvidenceManifest:
    """From wherever the job stands to the sealed bundle. `pin=(locksmith_id, pin)` logs in by PIN.
    At the ID card step the locksmith types `customer_id_number`, or answers `id_entry`; by default they
    confirm that the card shows the order's number (edge/job/idnumber.py). Before the video, when the kit
    waits for the hub to hold the customer's identity (job.toml `start_requires_upload`), it waits up to
    `upload_wait_s` as a locksmith would watch the screen."""

    def at(step: Step) -> bool:
        return flow.job(order_id).step == step

    if at(Step.ASSIGNED):
        if pin is not None:
            flow.login_pin(*pin)
        else:
            cue(Cue.LOCKSMITH_FINGER)
            flow.login_fingerprint()
    if at(Step.LOGGED_IN) or at(Step.SET_OUT):
        flow.arrive(code, order_id)
    if at(Step.ARRIVED):
        cue(Cue.LOCKSMITH_FINGER)
        flow.verify_locksmith(order_id)
    if at(Step.LOCKSMITH_VERIFIED):
        flow.record_consent(True, order_id)
    if at(Step.CONSENTED):
        flow.capture_customer_photo(order_id)
    if at(Step.CUSTOMER_PHOTO):
        if id_entry is None:
            id_entry = IdEntry(number=customer_id_number) if customer_id_number else IdEntry(confirm_order=True)
        flow.capture_id_photo(order_id, id_entry=id_entry)
    if at(Step.ID_PHOTO):
        cue(Cue.CUSTOMER_FINGER)
        flow.capture_customer_fingerprint(order_id)
    if at(Step.CUSTOMER_FINGERPRINT):
        deadline = time.monotonic() + upload_wait_s
        while flow.settings.start_requires_upload and flow.identity_not_uploaded(order_id) and \
                time.monotonic() < deadline:
            time.sleep(0.2)
        flow.start_video(order_id)
        cue(Cue.VIDEO_RUNNING)
    if at(Step.VIDEO_RUNNING):
        flow.photo_before(order_id)
    if at(Step.LOCK_BEFORE):
        cue(Cue.LOCK_OPENING)
        flow.mark_opened(order_id)
    if at(Step.OPENED):
        flow.photo_after(order_id)
    if at(Step.LOCK_AFTER):
        flow.stop_video(order_id)
    if at(Step.VIDEO_STOPPED):
        flow.complete(fee_fen, True, order_id)
    if at(Step.COMPLETED):
        flow.make_form(order_id)
    return flow.seal(order_id)
