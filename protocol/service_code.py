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

from protocol.envelope import canonical
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


# -- proving the code to the hub ------------------------------------------------------------------------------
# The kit checks the code against `code_hash` offline; the hub must not take its word for it. scrypt's last
# step is PBKDF2, whose output blocks are independent, so one scrypt run with a 64-byte output gives the
# 32-byte digest in `code_hash` (first half) and a second, independent 32-byte key (second half) that only
# someone who knows the code can compute. The hub keeps that key (never sent anywhere); the kit derives it
# from the code the customer typed and sends an HMAC-SHA256 over the order and the arrival record's fields.
# The hub checks the HMAC with its copy of the key: no scrypt at the hub, no code in clear on the wire.

PROOF_FIELD = "code_proof"


def _both(code: str, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    out = hashlib.scrypt(normalise(code).encode("utf-8"), salt=salt, n=n, r=r, p=p,
                         maxmem=256 * 1024 * 1024, dklen=2 * DIGEST_LEN)
    return out[:DIGEST_LEN], out[DIGEST_LEN:]


def issue(code: str, *, n: int = DEFAULT_N, r: int = DEFAULT_R, p: int = DEFAULT_P) -> tuple[str, bytes]:
    """For the hub: (`code_hash` for the kit, the proof key the hub keeps), from one scrypt run."""
    salt = os.urandom(16)
    digest, key = _both(code, salt, n, r, p)
    return f"{SCHEME}${n}${r}${p}${b64(salt)}${digest.hex()}", key


def proof_key(code: str, code_hash: str) -> bytes | None:
    """For the kit: the proof key if `code` is the right one, else None (one scrypt run for both)."""
    n, r, p, salt, digest = parse(code_hash)
    mine, key = _both(code, salt, n, r, p)
    return key if hmac.compare_digest(mine, digest) else None


def _proof_input(order_id: str, fields: dict[str, object]) -> bytes:
    return canonical({"order_id": order_id, "record": {k: v for k, v in fields.items() if k != PROOF_FIELD}})


def arrival_proof(key: bytes, order_id: str, fields: dict[str, object]) -> str:
    """HMAC-SHA256 (hex) keyed by the proof key over the order id and the record's fields but the proof."""
    return hmac.new(key, _proof_input(order_id, fields), hashlib.sha256).hexdigest()


def check_proof(key: bytes, order_id: str, fields: dict[str, object]) -> bool:
    given = fields.get(PROOF_FIELD)
    if not isinstance(given, str) or not key:
        return False
    return hmac.compare_digest(arrival_proof(key, order_id, fields), given)
