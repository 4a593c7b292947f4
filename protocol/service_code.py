"""The customer's one-time service verification code, as a salted memory-hard hash.

The hub makes the code, gives it to the customer, and sends the kit only `hash_code(code)`. On site the
customer types the code on the kit, which calls `check_code`: the kit never stores or sends the code in
clear. A six-digit code has only a million values, so the hash is scrypt (memory-hard, per-order salt) to
make an offline search of a stolen kit's database slow, and the kit also limits attempts.

Encoding: `scrypt$N$r$p$<salt base64>$<digest hex>`, one string so it fits a single column.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from protocol.keys import b64, unb64

SCHEME = "scrypt"
DEFAULT_N = 2**14
DEFAULT_R = 8
DEFAULT_P = 1
DIGEST_LEN = 32
MAX_N = 2**20  # refuse absurd parameters from a malformed message rather than exhaust memory


def normalise(code: str) -> str:
    """People type codes with spaces or dashes; only the digits and letters count."""
    return "".join(ch for ch in code.strip().upper() if ch.isalnum())


def _digest(code: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(normalise(code).encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * 1024 * 1024, dklen=DIGEST_LEN)


def hash_code(code: str, *, salt: bytes | None = None, n: int = DEFAULT_N, r: int = DEFAULT_R,
              p: int = DEFAULT_P) -> str:
    salt = salt if salt is not None else os.urandom(16)
    return f"{SCHEME}${n}${r}${p}${b64(salt)}${_digest(code, salt, n, r, p).hex()}"


def parse(code_hash: str) -> tuple[int, int, int, bytes, bytes]:
    """-> (n, r, p, salt, digest); ValueError on anything that is not our encoding."""
    parts = code_hash.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        raise ValueError("not a service code hash")
    n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
    if n < 2 or n > MAX_N or n & (n - 1) or not (1 <= r <= 32) or not (1 <= p <= 16):
        raise ValueError("service code hash parameters out of range")
    return n, r, p, unb64(parts[4]), bytes.fromhex(parts[5])


def check_code(code: str, code_hash: str) -> bool:
    n, r, p, salt, digest = parse(code_hash)
    return hmac.compare_digest(_digest(code, salt, n, r, p), digest)
