"""Key material: Ed25519 for signing envelopes, X25519 for sealing sensitive media to the hub.

Keys are stored as raw 32-byte values in base64 text files (private files mode 0600) so an installer
can read and copy them without OpenSSL.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _raw_private(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def _raw_public(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_b64(cls, text: str) -> SigningKey:
        return cls(Ed25519PrivateKey.from_private_bytes(unb64(text.strip())))

    def to_b64(self) -> str:
        return b64(_raw_private(self.private))

    def public_b64(self) -> str:
        return b64(_raw_public(self.private.public_key()))

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)


def load_verify_key(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(unb64(text.strip()))


@dataclass(frozen=True)
class SealingKey:
    """The hub's X25519 key: kits seal biometrics and ID images to its public half."""

    private: X25519PrivateKey

    @classmethod
    def generate(cls) -> SealingKey:
        return cls(X25519PrivateKey.generate())

    @classmethod
    def from_b64(cls, text: str) -> SealingKey:
        return cls(X25519PrivateKey.from_private_bytes(unb64(text.strip())))

    def to_b64(self) -> str:
        return b64(_raw_private(self.private))

    def public_b64(self) -> str:
        return b64(_raw_public(self.private.public_key()))


def load_sealing_public(text: str) -> X25519PublicKey:
    return X25519PublicKey.from_public_bytes(unb64(text.strip()))


def write_private(path: Path, text: str) -> None:
    """Write a secret with 0600 permissions, durably."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (text + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def write_public(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="ascii")
