"""Deciding whether a job's evidence bundle is complete, from what the hub stored.

The check depends on no table: the caller passes a lookup over its own storage (the ingest tables, a
test dict). `has_record(msg_id, sha256)` and `has_media(sha256)` are enough to tell complete from missing;
a lookup that also offers `record_sha256(msg_id)` and `file_sha256(file_id)` (the hash of what it holds
under that id) lets the check tell a part that never arrived from one that arrived altered.

Statuses: `complete` (signature good, every part present with the listed hash, every required step
listed), `incomplete` (parts still missing: may complete as sync catches up), `mismatch` (something held
under a listed id has another hash: altered), `invalid` (not a manifest, bad signature, another kit's,
or a completed job without a required step: never completes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol.evidence import (
    EvidenceError,
    EvidenceManifest,
    manifest_digest,
    manifest_from_data,
    verify_manifest,
)

# What a completed job's bundle must list; an aborted job lists what it has.
REQUIRED_RECORDS = (
    "job.arrived", "job.locksmith_verified", "job.consent", "job.customer_photo", "job.id_photo",
    "job.customer_fingerprint", "job.video_started", "job.lock_photo_before", "job.opened",
    "job.lock_photo_after", "job.video_stopped", "job.completed", "job.registration_form",
)
REQUIRED_FILES = (
    "photo.customer", "photo.id_card", "fingerprint.customer", "photo.lock_before", "photo.lock_after",
    "video.segment", "form.police_copy",
)

Status = Literal["complete", "incomplete", "mismatch", "invalid"]


class EvidenceLookup(Protocol):
    def has_record(self, msg_id: str, sha256: str) -> bool:
        """The hub stored the record `msg_id` and the SHA-256 of its envelope bytes is `sha256`."""
        ...

    def has_media(self, sha256: str) -> bool:
        """The hub holds a complete, verified file with this SHA-256 (content-addressed media)."""
        ...


@dataclass(frozen=True)
class Mismatch:
    ref: str
    kind: str
    expected: str
    actual: str


@dataclass
class BundleCheck:
    status: Status
    order_id: str = ""
    kit_id: str = ""
    manifest_sha256: str = ""
    missing_records: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    mismatched: list[Mismatch] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    manifest: EvidenceManifest | None = None

    @property
    def complete(self) -> bool:
        return self.status == "complete"


def check_bundle(
    manifest: EvidenceManifest | dict[str, Any],
    *,
    kit_key: Ed25519PublicKey,
    lookup: EvidenceLookup,
    sender: str | None = None,
    order_id: str | None = None,
) -> BundleCheck:
    """`sender` is the kit that sent the bundle record (its envelope's signed sender); `order_id` the
    record's order. Both must agree with the manifest."""
    try:
        m = manifest if isinstance(manifest, EvidenceManifest) else manifest_from_data(manifest)
        verify_manifest(m, kit_key)
    except EvidenceError as exc:
        return BundleCheck("invalid", problems=[str(exc)])
    result = BundleCheck("complete", order_id=m.order_id, kit_id=m.kit_id, manifest_sha256=manifest_digest(m),
                         manifest=m)
    if sender is not None and sender != m.kit_id:
        result.problems.append(f"manifest of kit {m.kit_id!r} sent by {sender!r}")
    if order_id is not None and order_id != m.order_id:
        result.problems.append(f"manifest of order {m.order_id!r} sent for order {order_id!r}")
    if m.outcome == "completed":
        kinds = {r.kind for r in m.records} | {f.kind for f in m.files}
        for need in REQUIRED_RECORDS + REQUIRED_FILES:
            if need not in kinds:
                result.problems.append(f"completed job without {need}")
    file_ids = {f.file_id for f in m.files}
    for seg in m.video:
        if seg not in file_ids:
            result.problems.append(f"video segment {seg} not among the files")

    record_sha = getattr(lookup, "record_sha256", None)
    file_sha = getattr(lookup, "file_sha256", None)
    for r in m.records:
        if lookup.has_record(r.id, r.sha256):
            continue
        actual = record_sha(r.id) if record_sha else None
        if actual is None:
            result.missing_records.append(r.id)
        else:
            result.mismatched.append(Mismatch(r.id, r.kind, r.sha256, actual))
    for f in m.files:
        if lookup.has_media(f.sha256):
            continue
        actual = file_sha(f.file_id) if file_sha else None
        if actual is None:
            result.missing_files.append(f.file_id)
        else:
            result.mismatched.append(Mismatch(f.file_id, f.kind, f.sha256, actual))

    if result.problems:
        result.status = "invalid"
    elif result.mismatched:
        result.status = "mismatch"
    elif result.missing_records or result.missing_files:
        result.status = "incomplete"
    return result
