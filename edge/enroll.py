"""Enrolling a locksmith's fingers on the kit's own sensor (R-2: three fingers, enrolled on the kit).

Each finger goes into the sensor's library at one of the locksmith's `fingerprint_slots` (job.toml), so
fingerprint login and the order's verification find it there. Its template is uploaded from the sensor and
committed to the kit store as a `fingerprint.locksmith_template` file sealed to the hub key (the kit never
keeps it in clear), with a signed `locksmith.fingerprint_enrolled` record naming the locksmith, the finger,
the slot and the template's SHA-256; both sync to the hub with everything else. The hub records the hash as
the locksmith's fingerprint when the record arrives from the kit linked to them (hub/registry/kit_enrolment.py).

Re-running is safe. A slot that already holds a template is kept (its template is stored again only when the
kit store has no copy of it, e.g. after an interrupted run); `replace=True` enrolls it anew. A finger that is
already in the library under another slot is refused (`DuplicateFinger`), so one finger cannot count twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from edge.hardware.fingerprint.driver import EnrollStep
from edge.hardware.fingerprint.errors import BadImage, EnrollMismatch, FingerprintError, NoFinger
from edge.job.config import LocksmithProfile
from edge.store import KitStore
from protocol.i18n import _

TEMPLATE_KIND = "fingerprint.locksmith_template"
RECORD_KIND = "locksmith.fingerprint_enrolled"
# The hub's finger names (hub/registry/validate.py FINGERS; edge never imports hub).
FINGERS = ("right_thumb", "right_index", "right_middle", "right_ring", "right_little",
           "left_thumb", "left_index", "left_middle", "left_ring", "left_little")
DEFAULT_FINGERS = ("right_index", "right_middle", "left_index")
# Errors a person fixes by placing the finger again; any other error stops the run.
RETRYABLE: tuple[type[FingerprintError], ...] = (NoFinger, BadImage, EnrollMismatch)

Outcome = Literal["enrolled", "replaced", "kept", "kept_uploaded"]


class EnrollRefused(Exception):
    """The enrolment cannot start as asked (unknown locksmith, slots, fingers); `str()` is translated."""


def finger_label(finger: str) -> str:
    return {
        "right_thumb": _("right thumb"), "right_index": _("right index finger"),
        "right_middle": _("right middle finger"), "right_ring": _("right ring finger"),
        "right_little": _("right little finger"), "left_thumb": _("left thumb"),
        "left_index": _("left index finger"), "left_middle": _("left middle finger"),
        "left_ring": _("left ring finger"), "left_little": _("left little finger"),
    }.get(finger, finger)


@dataclass(frozen=True)
class FingerSlot:
    finger: str
    slot: int


@dataclass(frozen=True)
class Enrolled:
    finger: str
    slot: int
    outcome: Outcome
    template_sha256: str  # of the template in clear: what the hub's locksmith.fingerprint records
    file_id: str  # the sealed template in the kit store ("" when kept and already stored)


def plan(profile: LocksmithProfile | None, locksmith_id: str, others: Sequence[LocksmithProfile],
         fingers: Sequence[str], only: Sequence[str] = ()) -> list[FingerSlot]:
    """Finger i goes to the locksmith's i-th slot; `only` picks some of them (to redo one finger)."""
    if profile is None:
        raise EnrollRefused(_("Locksmith {locksmith} is not in this kit's job.toml").format(locksmith=locksmith_id))
    for finger in (*fingers, *only):
        if finger not in FINGERS:
            raise EnrollRefused(_("Unknown finger {finger}; one of: {fingers}").format(
                finger=finger, fingers=", ".join(FINGERS)))
    if len(set(fingers)) != len(fingers):
        raise EnrollRefused(_("A finger is listed twice"))
    slots = profile.fingerprint_slots
    if len(fingers) > len(slots):
        raise EnrollRefused(_("{n} fingers need {n} slots, but job.toml gives locksmith {locksmith} {slots}: "
                              "set fingerprint_slots").format(n=len(fingers), locksmith=locksmith_id,
                                                              slots=list(slots)))
    for other in others:
        shared = set(other.fingerprint_slots) & set(slots[:len(fingers)])
        if other.locksmith_id != locksmith_id and shared:
            raise EnrollRefused(_("Slot {slot} is also given to locksmith {other} in job.toml").format(
                slot=min(shared), other=other.locksmith_id))
    missing = [f for f in only if f not in fingers]
    if missing:
        raise EnrollRefused(_("{finger} is not among the fingers to enroll").format(finger=missing[0]))
    chosen = [FingerSlot(f, s) for f, s in zip(fingers, slots, strict=False)]
    return [c for c in chosen if not only or c.finger in only]


Prompt = Callable[[FingerSlot, EnrollStep], None]
Retry = Callable[[FingerSlot, FingerprintError, int], None]


def enroll_fingers(sensor: Any, store: KitStore, locksmith_id: str, fingers: Sequence[FingerSlot], *,
                   prompt: Prompt, on_retry: Retry = lambda f, e, n: None, replace: bool = False,
                   attempts: int = 3) -> list[Enrolled]:
    """Enroll each finger through the real driver (`FingerprintSensor`) and store its template sealed.
    `prompt` tells the person what to do; `on_retry` that a placement failed and the next attempt starts.
    Raises FingerprintError when a finger fails `attempts` times or the sensor fails otherwise; what was
    enrolled before stays enrolled and stored, so running again continues where it stopped."""
    capacity = sensor.info().capacity
    for f in fingers:
        if not 0 <= f.slot < capacity:
            raise EnrollRefused(_("Slot {slot} is outside the sensor's library ({capacity} fingerprints): change "
                                  "fingerprint_slots in job.toml").format(slot=f.slot, capacity=capacity))
    used = set(sensor.used_slots())
    stored = _stored_templates(store)
    done: list[Enrolled] = []
    for f in fingers:
        if f.slot in used and not replace:
            template = sensor.export_template(f.slot)
            if _sha(template) in stored.get(f.slot, set()):
                done.append(Enrolled(f.finger, f.slot, "kept", _sha(template), ""))
            else:
                done.append(_store(store, locksmith_id, f, template, "kept_uploaded"))
            continue
        template = _enroll_one(sensor, f, prompt, on_retry, attempts)
        done.append(_store(store, locksmith_id, f, template, "replaced" if f.slot in used else "enrolled"))
    return done


def _enroll_one(sensor: Any, f: FingerSlot, prompt: Prompt, on_retry: Retry, attempts: int) -> bytes:
    for attempt in range(1, max(1, attempts) + 1):
        try:
            enrolled = sensor.enroll(f.slot, lambda step: prompt(f, step))
        except RETRYABLE as exc:
            if attempt >= attempts:
                raise
            on_retry(f, exc, attempt + 1)
            prompt(f, EnrollStep.REMOVE)  # a finger resting on the sensor would be read again at once
            sensor.wait_removed()
            continue
        prompt(f, EnrollStep.REMOVE)  # the next finger must not be read as this one
        sensor.wait_removed()
        return bytes(enrolled.template)
    raise AssertionError("unreachable")


def _store(store: KitStore, locksmith_id: str, f: FingerSlot, template: bytes, outcome: Outcome) -> Enrolled:
    meta = {"locksmith_id": locksmith_id, "finger": f.finger, "slot": f.slot}
    saved = store.add_file(kind=TEMPLATE_KIND, content_type="application/octet-stream", data=template,
                           sensitive=True, meta=meta)
    store.add_record(RECORD_KIND, {"kit_id": store.identity.kit_id, **meta, "outcome": outcome,
                                   "file_id": saved.file_id, "template_sha256": saved.plain_sha256,
                                   "sealed_sha256": saved.sha256})
    return Enrolled(f.finger, f.slot, outcome, saved.plain_sha256, saved.file_id)


def _stored_templates(store: KitStore) -> dict[int, set[str]]:
    """slot -> SHA-256 of the templates the kit store already holds (or sent) for it."""
    out: dict[int, set[str]] = {}
    for sha, meta in store.file_metas(TEMPLATE_KIND):
        slot = meta.get("slot")
        if isinstance(slot, int):
            out.setdefault(slot, set()).add(sha)
    return out


def enrolled_finger(store: KitStore, slot: int) -> str:
    """The finger last enrolled on this kit at `slot` ("" when the slot was filled another way)."""
    finger = ""
    for _sha, m in store.file_metas(TEMPLATE_KIND):
        if m.get("slot") == slot:
            finger = str(m.get("finger") or "")
    return finger


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
