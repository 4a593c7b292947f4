"""The on-site job's records, defined once: every kind a kit records about an order, and its fields.

A kit reports the job as `kit.record` messages whose `kind` is a `RecordKind` and whose `data` is the
matching struct below (its tag, `record_kind`, is not sent: the `kit.record` carries it as `kind`). The kit builds its
records from these structs (edge/job/flow.py), the hub decodes them with `decode` before it acts on them
(hub/orders/kitrecords.py), the evidence check and the kit UI name kinds through the enum, and
`lockwarden docs` renders the table into docs/mqtt.md. A record that does not decode is refused by the
hub with the reason (it stays stored as evidence).

Unknown extra fields are tolerated (an older hub reading a newer kit's record); a field of the wrong
type, or a missing required one, is not.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import msgspec


class RecordKind(StrEnum):
    ASSIGNED = "job.assigned"
    LOGGED_IN = "job.logged_in"
    SET_OUT = "job.set_out"
    ARRIVED = "job.arrived"
    CODE_REJECTED = "job.code_rejected"
    LOCKSMITH_VERIFIED = "job.locksmith_verified"
    LOCKSMITH_REJECTED = "job.locksmith_rejected"
    CONSENT_REFUSED = "job.consent_refused"
    CONSENTED = "job.consent"
    CUSTOMER_PHOTO = "job.customer_photo"
    ID_PHOTO = "job.id_photo"
    CUSTOMER_FINGERPRINT = "job.customer_fingerprint"
    VIDEO_STARTED = "job.video_started"
    VIDEO_RESUMED = "job.video_resumed"
    LOCK_PHOTO_BEFORE = "job.lock_photo_before"
    OPENED = "job.opened"
    LOCK_PHOTO_AFTER = "job.lock_photo_after"
    VIDEO_STOPPED = "job.video_stopped"
    COMPLETED = "job.completed"
    REGISTRATION_FORM = "job.registration_form"
    ABORTED = "job.aborted"
    EVIDENCE_BUNDLE = "job.evidence_bundle"


K = RecordKind


class Position(msgspec.Struct, frozen=True):
    """The kit's GNSS fix when the record was made; `quality` is the NMEA GGA fix quality."""

    lat: float
    lon: float
    quality: int = 1
    satellites: int = 0
    hdop: float | None = None


class FileRef(msgspec.Struct, frozen=True):
    """A file of the kit store; `sha256` of the bytes sent (the sealed blob if sealed), `kind` the file's."""

    file_id: str
    sha256: str
    kind: str = ""
    plain_sha256: str = ""
    size: int = 0
    sealed: bool = False


class JobRecord(msgspec.Struct, frozen=True, kw_only=True, tag_field="record_kind"):
    """What every job record carries: who made it, where, and (for a step of the table) the step."""

    kit_id: str
    locksmith_id: str
    position: Position | None = None
    step: str = ""


class FileRecord(JobRecord, frozen=True):
    """A step whose evidence is one file of the kit store (its fields are the file's, as in FileRef)."""

    file_id: str
    sha256: str
    kind: str = ""
    plain_sha256: str = ""
    size: int = 0
    sealed: bool = False

    def file(self) -> FileRef:
        return FileRef(self.file_id, self.sha256, self.kind, self.plain_sha256, self.size, self.sealed)


class Assigned(JobRecord, frozen=True, tag=K.ASSIGNED.value):
    """The hub's order arrived on the kit."""


class LoggedIn(JobRecord, frozen=True, tag=K.LOGGED_IN.value):
    """R-2: the order's locksmith is logged in on the kit."""

    method: str
    fallback: bool = False
    session_record: str = ""
    session_since: int = 0


class SetOut(JobRecord, frozen=True, tag=K.SET_OUT.value):
    """R-7: the locksmith left for the site (from here an abandoning customer owes the prepayment)."""


class Arrived(JobRecord, frozen=True, tag=K.ARRIVED.value):
    """R-8: on site and the customer's service code checked. `code_proof` proves the code to the hub
    (protocol.service_code.arrival_proof) without carrying it."""

    code_checked: bool
    code_attempts: int = 0
    distance_m: float | None = None
    max_distance_m: float = 0.0
    flagged: bool = False
    flag_reason: str = ""
    code_proof: str = ""


class CodeRejected(JobRecord, frozen=True, tag=K.CODE_REJECTED.value):
    """A wrong service code typed on the kit."""

    attempt: int
    attempts_left: int


class LocksmithVerified(JobRecord, frozen=True, tag=K.LOCKSMITH_VERIFIED.value):
    """R-8: the locksmith's finger matched an enrolled template; `template_sha256` names that template (the
    SHA-256 the kit's `locksmith.fingerprint_enrolled` record gave the hub)."""

    slot: int
    score: int
    finger: str = ""
    template_sha256: str = ""


class LocksmithRejected(JobRecord, frozen=True, tag=K.LOCKSMITH_REJECTED.value):
    """A failed fingerprint verification (no finger, no match, another locksmith's finger)."""

    error: str = ""
    slot: int | None = None
    score: int | None = None


class ConsentRefused(JobRecord, frozen=True, tag=K.CONSENT_REFUSED.value):
    """The customer declined biometric capture (PIPL): no job unless they change their mind."""

    given: bool = False
    text_version: str = ""
    text: str = ""
    customer_name: str = ""


class Consented(JobRecord, frozen=True, tag=K.CONSENTED.value):
    """The customer's separate consent to biometric capture (PIPL), with the text agreed to."""

    given: bool
    text_version: str = ""
    text: str = ""
    customer_name: str = ""


class CustomerPhoto(FileRecord, frozen=True, tag=K.CUSTOMER_PHOTO.value):
    """R-8: the customer's photo (sealed to the hub key)."""


class IdNumberAnswer(msgspec.Struct, frozen=True):
    """What the locksmith read from the ID card: the check, the masked number, the sealed full number."""

    check: str = ""
    masked: str = ""
    skip_reason: str = ""
    matches_order: bool | None = None
    file_id: str = ""
    sha256: str = ""
    plain_sha256: str = ""
    sealed: bool = False


class IdPhoto(FileRecord, frozen=True, tag=K.ID_PHOTO.value):
    """R-8: the ID card photo (sealed) and the number read from it (sealed, masked in `id_number`)."""

    id_number_matches_order: bool | None = None
    id_number: IdNumberAnswer | None = None


class CustomerFingerprint(FileRecord, frozen=True, tag=K.CUSTOMER_FINGERPRINT.value):
    """R-8: the customer's fingerprint template (sealed); with it the verification is complete."""


class VideoStarted(JobRecord, frozen=True, tag=K.VIDEO_STARTED.value):
    """R-9: the video of the opening runs; the job has started."""

    work_dir: str = ""


class VideoResumed(JobRecord, frozen=True, tag=K.VIDEO_RESUMED.value):
    """The video restarted after the kit restarted; `recovered` names the segments adopted from before."""

    recovered: list[str] = []


class LockPhotoBefore(FileRecord, frozen=True, tag=K.LOCK_PHOTO_BEFORE.value):
    """R-9: the lock before opening."""


class Opened(JobRecord, frozen=True, tag=K.OPENED.value):
    """The lock is open."""

    note: str = ""


class LockPhotoAfter(FileRecord, frozen=True, tag=K.LOCK_PHOTO_AFTER.value):
    """R-9: the lock after opening."""


class Segment(msgspec.Struct, frozen=True):
    file_id: str
    sha256: str
    size: int = 0


class VideoStopped(JobRecord, frozen=True, tag=K.VIDEO_STOPPED.value):
    """R-9: the video stopped; `segments` lists every segment file of the recording."""

    segments: list[Segment] = []


class Completed(JobRecord, frozen=True, tag=K.COMPLETED.value):
    """R-10: the fee and the locksmith's confirmation that the customer paid it."""

    fee_fen: int
    payment_received: bool
    method: str = "cash"


class RegistrationForm(JobRecord, frozen=True, tag=K.REGISTRATION_FORM.value):
    """The unlock registration form: the masked copy shown, the police copy as a sealed file."""

    form: dict[str, Any]
    police_copy: FileRef
    text: dict[str, str] = {}


class Aborted(JobRecord, frozen=True, tag=K.ABORTED.value):
    """The job stopped before completion; by the locksmith before arrival it is a withdrawal."""

    reason: str = ""
    by: str = "locksmith"  # locksmith | hub
    at_step: str = ""


class EvidenceBundle(JobRecord, frozen=True, tag=K.EVIDENCE_BUNDLE.value):
    """The signed manifest of every record and file of the job (protocol.evidence)."""

    manifest: dict[str, Any]
    manifest_sha256: str = ""


AnyJobRecord = (Assigned | LoggedIn | SetOut | Arrived | CodeRejected | LocksmithVerified | LocksmithRejected
                | ConsentRefused | Consented | CustomerPhoto | IdPhoto | CustomerFingerprint | VideoStarted
                | VideoResumed | LockPhotoBefore | Opened | LockPhotoAfter | VideoStopped | Completed
                | RegistrationForm | Aborted | EvidenceBundle)

TYPES: dict[RecordKind, type[JobRecord]] = {
    RecordKind(str(t.__struct_config__.tag)): t for t in AnyJobRecord.__args__  # type: ignore[attr-defined]
}
assert set(TYPES) == set(RecordKind), "every record kind has its struct"

# Records that carry facts the police need are forwarded to them one by one (hub/orders/kitrecords.py),
# not only as a hash in the evidence bundle. The bundle itself travels as `evidence.bundle` once complete.
POLICE_KINDS = frozenset(RecordKind) - {K.EVIDENCE_BUNDLE}


class BadRecord(ValueError):
    """A job record whose data does not fit its kind."""


def is_job_kind(kind: str) -> bool:
    return kind in RecordKind._value2member_map_


def decode(kind: str, data: dict[str, Any]) -> AnyJobRecord:
    """The typed record of `kind` from a `kit.record`'s data; BadRecord says what is wrong."""
    if not is_job_kind(kind):
        raise BadRecord(f"unknown job record kind {kind!r}")
    try:
        return msgspec.convert({**data, "record_kind": str(kind)}, AnyJobRecord)  # type: ignore[arg-type]
    except msgspec.ValidationError as exc:
        raise BadRecord(f"{kind}: {exc}") from exc


def kind_of(record: JobRecord) -> RecordKind:
    return RecordKind(str(record.__struct_config__.tag))


def encode(record: JobRecord) -> dict[str, Any]:
    """The `data` of a `kit.record` for this record (its kind travels beside it, not inside)."""
    data: dict[str, Any] = msgspec.to_builtins(record)
    data.pop("record_kind", None)
    return data
