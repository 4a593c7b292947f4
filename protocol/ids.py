"""Unique, time-ordered identifiers (ULID layout: 48-bit milliseconds + 80 random bits, Crockford base32).

Time-ordered ids make `ORDER BY id` a rough arrival order in every store and keep B-tree inserts local.
"""

from __future__ import annotations

import os
import re
import threading

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ULID_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")

_lock = threading.Lock()
_last_ms = -1
_last_rand = 0


def _encode(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def new_id(now_ms: int) -> str:
    """A 26-character id; monotonic within one process even when several are made in the same ms."""
    global _last_ms, _last_rand
    with _lock:
        if now_ms <= _last_ms:
            now_ms = _last_ms
            _last_rand += 1
        else:
            _last_ms = now_ms
            _last_rand = int.from_bytes(os.urandom(10), "big") >> 1
        rand = _last_rand & ((1 << 80) - 1)
    return _encode(now_ms & ((1 << 48) - 1), 10) + _encode(rand, 16)


def id_time_ms(ulid: str) -> int:
    value = 0
    for ch in ulid[:10]:
        value = value * 32 + _ALPHABET.index(ch)
    return value


def is_valid_id(value: str) -> bool:
    return bool(ULID_RE.match(value))
