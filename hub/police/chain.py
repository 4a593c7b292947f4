"""The police chain, computed identically by the hub's forwarder and the police export.

Entry `seq` has hash sha256("{seq}\\n{prev}\\n" + canonical envelope), where the envelope is the hub-signed
`police.record` (signature included), canonical is RFC 8785 (protocol/canonical.py), `seq` is written in
decimal ASCII and `prev` is the lower-case hex hash of entry `seq - 1` (GENESIS, 64 zeros, for entry 1).
Because the hub can compute it, the hub signs the head (`police.checkpoint`), so the export's integrity
does not rest on anything the police side could have written itself.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from protocol.canonical import canonical
from protocol.envelope import Envelope

GENESIS = "0" * 64


class Entry(msgspec.Struct, frozen=True):
    """One JSON line of `records/YYYY-MM-DD.jsonl`."""

    seq: int
    prev: str
    hash: str
    env: dict[str, Any]


def envelope_canonical(env: Envelope | dict[str, Any]) -> bytes:
    value = msgspec.to_builtins(env) if isinstance(env, Envelope) else env
    return canonical(value)


def entry_hash_bytes(seq: int, prev: str, env_canonical: bytes) -> str:
    h = hashlib.sha256(f"{seq}\n{prev}\n".encode("ascii"))
    h.update(env_canonical)
    return h.hexdigest()


def entry_hash(seq: int, prev: str, env: Envelope | dict[str, Any]) -> str:
    return entry_hash_bytes(seq, prev, envelope_canonical(env))


def encode_line(entry: Entry) -> bytes:
    # The whole line is canonical (RFC 8785: `env` sorts first), so the bytes of `env` in the file are the
    # very bytes hashed and verify can hash them raw on its fast path.
    return canonical({"env": entry.env, "hash": entry.hash, "prev": entry.prev, "seq": entry.seq}) + b"\n"
