"""The police chain, computed identically by the hub's forwarder and the police export.

Entry `seq` has hash sha256("{seq}\\n{prev}\\n" + canonical envelope), where the envelope is the hub-signed
`police.record` (signature included) and `prev` is the hash of entry `seq - 1` (GENESIS for entry 1).
Because the hub can compute it, the hub signs the head (`police.checkpoint`), so the export's integrity
does not rest on anything the police side could have written itself.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from protocol.envelope import Envelope, canonical

GENESIS = "0" * 64


class Entry(msgspec.Struct, frozen=True):
    """One JSON line of `records/YYYY-MM-DD.jsonl`."""

    seq: int
    prev: str
    hash: str
    env: dict[str, Any]


_line_encoder = msgspec.json.Encoder(order="sorted")


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
    # Sorted keys put `env` first; written canonically so verify can hash the raw bytes on its fast path.
    return _line_encoder.encode(entry) + b"\n"
