"""A value the kit must read back later, encrypted at rest (AES-256-GCM, key derived from the kit's key).

What is sealed to the hub the kit can never open again. The customer's ID number, though, is needed once
more on the kit: in full on the police copy of the registration form, generated at the end of the job, in
another process when the job runs step by step. Until then it waits in `job.db` encrypted with a key
derived (HKDF-SHA256) from the kit's signing key and bound to the order id, and it is wiped as soon as the
police copy is sealed or the job is aborted. `job.db` alone (a copy, a backup, `kit job show --json`)
therefore never reveals it; someone holding the whole disk, key file included, could, as for anything the
kit itself must read.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from protocol.keys import SigningKey

_INFO = b"lockwarden kit-local at-rest v1"


def _key(kit_key: SigningKey) -> bytes:
    seed = base64.b64decode(kit_key.to_b64())
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(seed)


def lock(kit_key: SigningKey, plaintext: bytes, aad: bytes) -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(_key(kit_key)).encrypt(nonce, plaintext, aad)).decode("ascii")


def unlock(kit_key: SigningKey, token: str, aad: bytes) -> bytes:
    """Raises cryptography's InvalidTag when the value was altered or belongs to another order or kit."""
    raw = base64.b64decode(token.encode("ascii"))
    return AESGCM(_key(kit_key)).decrypt(raw[:12], raw[12:], aad)
