"""The on-site job on the kit, as ONE table of allowed steps (R-8, R-9, R-10).

A job's state is the last step it completed. `TRANSITIONS[state]` is the set of steps that may come next;
anything else is refused with a message that says what has to happen first. Each step has exactly one
record kind (protocol.jobrecords, the contract the hub decodes), so the state can also be recovered from
the signed records in the kit store.
"""

from __future__ import annotations

from enum import StrEnum

from protocol import labels
from protocol.i18n import _
from protocol.jobrecords import RecordKind


class Step(StrEnum):
    ASSIGNED = "assigned"  # the hub's order arrived
    LOGGED_IN = "logged_in"  # the order's locksmith is logged in on the kit (fingerprint or PIN)
    SET_OUT = "set_out"  # on the way to the site (optional: arriving proves it too)
    ARRIVED = "arrived"  # on site (position, distance) and the customer's service code checked
    LOCKSMITH_VERIFIED = "locksmith_verified"  # locksmith fingerprint verified for this order
    CONSENT_REFUSED = "consent_refused"  # the customer declined biometric capture (PIPL): no job
    CONSENTED = "consented"  # the customer's separate consent to biometric capture (PIPL)
    CUSTOMER_PHOTO = "customer_photo"
    ID_PHOTO = "id_photo"
    CUSTOMER_FINGERPRINT = "customer_fingerprint"  # only now may the job start
    VIDEO_RUNNING = "video_running"  # video of the whole opening
    LOCK_BEFORE = "lock_before"  # lock photo before
    OPENED = "opened"
    LOCK_AFTER = "lock_after"  # lock photo after
    VIDEO_STOPPED = "video_stopped"
    COMPLETED = "completed"  # fee recorded and payment received confirmed
    FORM = "form"  # the unlock registration form generated
    ABORTED = "aborted"  # stopped before completion (cancelled, refused consent, ...)
    SEALED = "sealed"  # the evidence bundle is sealed: nothing more can be added


S = Step
_ABORTABLE = {S.ABORTED}

# The table. Reading down the left column is the job in order.
TRANSITIONS: dict[Step, frozenset[Step]] = {
    S.ASSIGNED: frozenset({S.LOGGED_IN} | _ABORTABLE),
    S.LOGGED_IN: frozenset({S.SET_OUT, S.ARRIVED} | _ABORTABLE),
    S.SET_OUT: frozenset({S.ARRIVED} | _ABORTABLE),
    S.ARRIVED: frozenset({S.LOCKSMITH_VERIFIED} | _ABORTABLE),
    S.LOCKSMITH_VERIFIED: frozenset({S.CONSENTED, S.CONSENT_REFUSED} | _ABORTABLE),
    S.CONSENT_REFUSED: frozenset({S.CONSENTED} | _ABORTABLE),  # the customer may change their mind
    S.CONSENTED: frozenset({S.CUSTOMER_PHOTO} | _ABORTABLE),
    S.CUSTOMER_PHOTO: frozenset({S.ID_PHOTO} | _ABORTABLE),
    S.ID_PHOTO: frozenset({S.CUSTOMER_FINGERPRINT} | _ABORTABLE),
    S.CUSTOMER_FINGERPRINT: frozenset({S.VIDEO_RUNNING} | _ABORTABLE),
    S.VIDEO_RUNNING: frozenset({S.LOCK_BEFORE} | _ABORTABLE),
    S.LOCK_BEFORE: frozenset({S.OPENED} | _ABORTABLE),
    S.OPENED: frozenset({S.LOCK_AFTER} | _ABORTABLE),
    S.LOCK_AFTER: frozenset({S.VIDEO_STOPPED} | _ABORTABLE),
    S.VIDEO_STOPPED: frozenset({S.COMPLETED} | _ABORTABLE),
    S.COMPLETED: frozenset({S.FORM}),
    S.FORM: frozenset({S.SEALED}),
    S.ABORTED: frozenset({S.SEALED}),
    S.SEALED: frozenset(),
}

# The record kind that proves each step (kit.record `kind`, with `order_id` set).
K = RecordKind
RECORD_KIND: dict[Step, RecordKind] = {
    S.ASSIGNED: K.ASSIGNED,
    S.LOGGED_IN: K.LOGGED_IN,
    S.SET_OUT: K.SET_OUT,
    S.ARRIVED: K.ARRIVED,
    S.LOCKSMITH_VERIFIED: K.LOCKSMITH_VERIFIED,
    S.CONSENT_REFUSED: K.CONSENT_REFUSED,
    S.CONSENTED: K.CONSENTED,
    S.CUSTOMER_PHOTO: K.CUSTOMER_PHOTO,
    S.ID_PHOTO: K.ID_PHOTO,
    S.CUSTOMER_FINGERPRINT: K.CUSTOMER_FINGERPRINT,
    S.VIDEO_RUNNING: K.VIDEO_STARTED,
    S.LOCK_BEFORE: K.LOCK_PHOTO_BEFORE,
    S.OPENED: K.OPENED,
    S.LOCK_AFTER: K.LOCK_PHOTO_AFTER,
    S.VIDEO_STOPPED: K.VIDEO_STOPPED,
    S.COMPLETED: K.COMPLETED,
    S.FORM: K.REGISTRATION_FORM,
    S.ABORTED: K.ABORTED,
    S.SEALED: K.EVIDENCE_BUNDLE,
}
STEP_FOR_KIND: dict[str, Step] = {kind.value: step for step, kind in RECORD_KIND.items()}
FINAL = frozenset({S.SEALED})


def describe(step: Step) -> str:
    """What a step means, for a person (protocol/labels.py KIT_STEPS: the console reads it there too)."""
    return labels.label(labels.KIT_STEPS, step.value)


class StepRefused(Exception):
    """A step out of order (or otherwise not allowed now); `str()` is a translated message."""

    def __init__(self, message: str, *, current: Step | None = None, wanted: Step | None = None) -> None:
        super().__init__(message)
        self.current = current
        self.wanted = wanted


def allowed(current: Step, wanted: Step) -> bool:
    return wanted in TRANSITIONS[current]


def check(current: Step, wanted: Step) -> None:
    if allowed(current, wanted):
        return
    nexts = sorted(TRANSITIONS[current] - {S.ABORTED}, key=list(Step).index)
    if not nexts:
        msg = _("Not allowed: this job is already at \"{current}\"; nothing more can be done.")
        raise StepRefused(msg.format(current=describe(current)), current=current, wanted=wanted)
    msg = _("Not allowed now: \"{wanted}\" cannot come after \"{current}\". Next: {next}.")
    raise StepRefused(
        msg.format(wanted=describe(wanted), current=describe(current),
                   next=", ".join(describe(s) for s in nexts)),
        current=current, wanted=wanted,
    )
