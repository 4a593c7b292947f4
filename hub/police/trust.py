"""Where `police-verify` gets the hub's public key: only from something the police pinned themselves.

The export carries the hub key in its manifest, but anyone able to edit the export can also replace that
key and re-sign everything with their own, so the verifier never takes it on the export's word. The police
pin either the key file (`keys/hub_signing.pub` from the hub, base64 of the 32 raw Ed25519 bytes) or its
fingerprint: the lower-case hex SHA-256 of those 32 raw bytes (`base64 -d hub_signing.pub | sha256sum`).
With a fingerprint, the manifest's key is used only if it has exactly that fingerprint.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from protocol.keys import load_verify_key

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class UntrustedKey(ValueError):
    """No key the police pinned: the export cannot be judged."""


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public(key)).hexdigest()


def normalise_fingerprint(text: str) -> str:
    """Accepts `sha256:`-prefixed, upper-case and colon- or space-separated forms of the 64 hex digits."""
    value = text.strip().lower()
    value = value.removeprefix("sha256:")
    value = re.sub(r"[:\s]", "", value)
    if not _HEX64.match(value):
        raise UntrustedKey(f"{text!r} is not a SHA-256 fingerprint (64 hex digits)")
    return value


@dataclass(frozen=True)
class PinnedKey:
    key: Ed25519PublicKey
    source: str  # "file" | "fingerprint"

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key)


def pinned_from_file(path: Path) -> PinnedKey:
    try:
        return PinnedKey(load_verify_key(path.read_text(encoding="ascii")), "file")
    except (OSError, ValueError) as exc:
        raise UntrustedKey(f"{path}: not a base64 Ed25519 public key ({exc})") from exc


def pinned_from_fingerprint(fp: str, manifest_key_b64: str | None) -> PinnedKey:
    """The manifest's key, accepted only because its fingerprint is the one the police pinned."""
    want = normalise_fingerprint(fp)
    if not manifest_key_b64:
        raise UntrustedKey("the manifest names no hub key to compare with the pinned fingerprint")
    try:
        key = load_verify_key(manifest_key_b64)
    except ValueError as exc:
        raise UntrustedKey(f"the manifest's hub key is not a base64 Ed25519 public key ({exc})") from exc
    if fingerprint(key) != want:
        raise UntrustedKey(f"the manifest's hub key has fingerprint {fingerprint(key)}, not the pinned {want}")
    return PinnedKey(key, "fingerprint")
