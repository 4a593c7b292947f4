"""Sealing a blob to a recipient's X25519 public key (ECIES: ephemeral X25519, HKDF-SHA256, AES-256-GCM).

The kit seals fingerprint templates and ID images to the hub the moment they are captured, so the
plaintext never touches the kit's disk, never crosses the broker, and a stolen kit reveals nothing.
Layout: b"LWS1" | ephemeral public key (32) | nonce (12) | ciphertext+tag.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

MAGIC = b"LWS1"
_INFO = b"lockwarden sealed blob v1"


class SealError(Exception):
    pass


def _derive(shared: bytes, eph_pub: bytes, recipient_pub: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=eph_pub + recipient_pub, info=_INFO).derive(shared)


def seal(plaintext: bytes, recipient: X25519PublicKey, aad: bytes = b"") -> bytes:
    eph = X25519PrivateKey.generate()
    eph_pub = eph.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    rec_pub = recipient.public_bytes(Encoding.Raw, PublicFormat.Raw)
    key = _derive(eph.exchange(recipient), eph_pub, rec_pub)
    nonce = os.urandom(12)
    return MAGIC + eph_pub + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(blob: bytes, recipient: X25519PrivateKey, aad: bytes = b"") -> bytes:
    if len(blob) < 4 + 32 + 12 + 16 or blob[:4] != MAGIC:
        raise SealError("not a sealed blob")
    eph_pub = blob[4:36]
    nonce = blob[36:48]
    rec_pub = recipient.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key = _derive(recipient.exchange(X25519PublicKey.from_public_bytes(eph_pub)), eph_pub, rec_pub)
    try:
        return AESGCM(key).decrypt(nonce, blob[48:], aad)
    except Exception as exc:  # InvalidTag: altered or addressed to someone else
        raise SealError("sealed blob failed authentication") from exc
