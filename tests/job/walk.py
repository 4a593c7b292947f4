"""Walking a whole job through the Python API (shared by several tests)."""

from __future__ import annotations

from collections.abc import Callable

from edge.job.flow import JobFlow
from edge.job.steps import Step
from tests.job.conftest import CODE, ORDER_ID, order_body
from tests.job.fakes import FakeCamera

UP_TO_VIDEO = [Step.LOGGED_IN, Step.ARRIVED, Step.LOCKSMITH_VERIFIED, Step.CONSENTED, Step.CUSTOMER_FINGERPRINT,
               Step.VIDEO_RUNNING]


def walk(flow: JobFlow, cam: FakeCamera | None, *, until: Step = Step.SEALED, order_id: str = ORDER_ID) -> None:
    actions = [
        (Step.ASSIGNED, lambda: flow.on_order_assigned(order_body(order_id))),
        (Step.LOGGED_IN, lambda: flow.login_fingerprint()),
        (Step.ARRIVED, lambda: flow.arrive(CODE, order_id)),
        (Step.LOCKSMITH_VERIFIED, lambda: flow.verify_locksmith(order_id)),
        (Step.CONSENTED, lambda: flow.record_consent(True, order_id)),
        (Step.CUSTOMER_FINGERPRINT, lambda: flow.capture_customer(order_id)),
        (Step.VIDEO_RUNNING, lambda: flow.start_video(order_id)),
        (Step.LOCK_BEFORE, lambda: _rotate_then(cam, lambda: flow.photo_before(order_id))),
        (Step.OPENED, lambda: flow.mark_opened(order_id, note="picked")),
        (Step.LOCK_AFTER, lambda: _rotate_then(cam, lambda: flow.photo_after(order_id))),
        (Step.VIDEO_STOPPED, lambda: flow.stop_video(order_id)),
        (Step.COMPLETED, lambda: flow.complete(15000, True, order_id)),
        (Step.FORM, lambda: flow.make_form(order_id)),
        (Step.SEALED, lambda: flow.seal(order_id)),
    ]
    for step, action in actions:
        action()
        if step == until:
            return


def _rotate_then(cam: FakeCamera | None, action: Callable[[], object]) -> object:
    """A segment closes while the job goes on (the real recorder closes one every few seconds)."""
    if cam is not None:
        cam.rotate()
    return action()
