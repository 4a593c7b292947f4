"""Walking a whole job through the Python API (shared by several tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from edge.job.flow import JobFlow
from edge.job.idnumber import IdEntry
from edge.job.steps import Step
from tests.job.conftest import CODE, CUSTOMER_FINGER, LOCKSMITH_FINGER, ORDER_ID, order_body

CONFIRM = IdEntry(confirm_order=True)  # the locksmith checks the card against the order's number
UP_TO_VIDEO = [Step.LOGGED_IN, Step.ARRIVED, Step.LOCKSMITH_VERIFIED, Step.CONSENTED, Step.CUSTOMER_FINGERPRINT,
               Step.VIDEO_RUNNING]


class Rotating(Protocol):
    def rotate(self) -> None: ...


def walk(flow: JobFlow, cam: Rotating | None, *, until: Step = Step.SEALED, order_id: str = ORDER_ID) -> None:
    # The person at the sensor: the locksmith's finger to log in and to verify, the customer's to capture.
    emu: Any = getattr(flow.devices.fingerprint, "emulator", None)

    def finger(name: str, action: Callable[[], object]) -> object:
        if emu is not None:
            emu.place_finger(name)
        return action()

    actions = [
        (Step.ASSIGNED, lambda: flow.on_order_assigned(order_body(order_id))),
        (Step.LOGGED_IN, lambda: finger(LOCKSMITH_FINGER, flow.login_fingerprint)),
        (Step.ARRIVED, lambda: flow.arrive(CODE, order_id)),
        (Step.LOCKSMITH_VERIFIED, lambda: finger(LOCKSMITH_FINGER, lambda: flow.verify_locksmith(order_id))),
        (Step.CONSENTED, lambda: flow.record_consent(True, order_id)),
        (Step.CUSTOMER_FINGERPRINT, lambda: finger(CUSTOMER_FINGER, lambda: flow.capture_customer(order_id, id_entry=CONFIRM))),
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


def _rotate_then(cam: Rotating | None, action: Callable[[], object]) -> object:
    """A segment closes while the job goes on (the real recorder closes one every few seconds)."""
    if cam is not None:
        cam.rotate()
    return action()
