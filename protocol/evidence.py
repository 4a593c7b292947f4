"""The evidence bundle: a kit-signed manifest of every record and file of one on-site job.

The kit builds it when the job ends and sends it as a `kit.record` of kind `job.evidence_bundle` (the
record's `data` is the manifest). The manifest carries its own Ed25519 signature, over a canonical
encoding with a domain-separation prefix, so it stays verifiable on its own after it leaves the envelope:
the hub checks it against what it received (`hub.evidence`), and the police export can check it offline
with only the kit's public key.

Hashes: a record is listed with the SHA-256 of its exact signed envelope bytes (what the kit sent and
what the hub received); a file with the SHA-256 of the bytes sent (`sha256`, the sealed blob for
biometrics and ID images) and of the captured content (`plain_sha256`, checkable by whoever can unseal).
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol.envelope import canonical
from protocol.keys import SigningKey, b64, unb64

MANIFEST_VERSION = 1
BUNDLE_RECORD_KIND = "job.evidence_bundle"
_DOMAIN = b"lockwarden evidence manifest v1\n"


class EvidenceError(Exception):
    """A manifest that is malformed or whose signature does not verify."""


class RecordEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str  # envelope id
    seq: int
    kind: str
    sha256: str  # of the signed envelope's wire bytes
    captured_ms: int


class FileEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    file_id: str
    kind: str
    size: int
    sha256: str  # of the bytes sent (the sealed blob when sealed)
    plain_sha256: str  # of the captured content
    sealed: bool
    captured_ms: int


class EvidenceManifest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    v: int = MANIFEST_VERSION
    order_id: str
    kit_id: str
    locksmith_id: str
    outcome: Literal["completed", "aborted"]
    sealed_ms: int
    records: list[RecordEntry]
    files: list[FileEntry]
    video: list[str] = []  # file ids of the video segments, in playback order: one video
    sig: str = ""

    def unsigned(self) -> dict[str, Any]:
        data = msgspec.to_builtins(self)
        data.pop("sig", None)
        return data


def signing_bytes(manifest: EvidenceManifest) -> bytes:
    return _DOMAIN + canonical(manifest.unsigned())


def sign_manifest(manifest: EvidenceManifest, key: SigningKey) -> EvidenceManifest:
    return msgspec.structs.replace(manifest, sig=b64(key.sign(signing_bytes(manifest))))


def verify_manifest(manifest: EvidenceManifest, kit_key: Ed25519PublicKey) -> None:
    if manifest.v != MANIFEST_VERSION:
        raise EvidenceError(f"manifest version {manifest.v}")
    try:
        kit_key.verify(unb64(manifest.sig), signing_bytes(manifest))
    except (InvalidSignature, ValueError) as exc:
        raise EvidenceError(f"manifest signature of order {manifest.order_id} does not verify") from exc


def manifest_from_data(data: dict[str, Any]) -> EvidenceManifest:
    """The manifest from a record's `data` (or any decoded JSON); EvidenceError if malformed."""
    try:
        return msgspec.convert(data, EvidenceManifest)
    except msgspec.ValidationError as exc:
        raise EvidenceError(f"malformed manifest: {exc}") from exc


def manifest_digest(manifest: EvidenceManifest) -> str:
    """SHA-256 of the signed manifest's canonical encoding: the one hash that names the whole bundle."""
    return hashlib.sha256(canonical(msgspec.to_builtins(manifest))).hexdigest()


def build_manifest(
    *,
    order_id: str,
    kit_id: str,
    locksmith_id: str,
    outcome: Literal["completed", "aborted"],
    sealed_ms: int,
    records: list[RecordEntry],
    files: list[FileEntry],
    key: SigningKey,
    video: list[str] | None = None,
) -> EvidenceManifest:
    """Sorted by capture order so two builds from the same store give the same bytes. `video` is the
    segments' playback order when the caller knows it better than capture time."""
    recs = sorted(records, key=lambda r: (r.seq, r.id))
    fls = sorted(files, key=lambda f: (f.captured_ms, f.file_id))
    if video is None:
        video = [f.file_id for f in fls if f.kind == "video.segment"]
    manifest = EvidenceManifest(order_id=order_id, kit_id=kit_id, locksmith_id=locksmith_id, outcome=outcome,
                                sealed_ms=sealed_ms, records=recs, files=fls, video=video)
    return sign_manifest(manifest, key)
