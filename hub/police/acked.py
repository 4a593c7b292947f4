"""The police side's own record of what it acknowledged, kept outside the export folder.

Every `police.ack` the export sends says "I hold every entry up to `upto_seq`, whose hash is `head`, and
the hub's checkpoint up to `checkpoint_seq`", signed with the police key. `police-export` keeps the latest
one, exactly as sent, in a file outside the export (`--acked`, default beside the police key). Someone who
can edit the export can cut its tail and fall back to an older, genuine hub checkpoint: everything left is
then validly signed by the hub. Only this record, which they cannot re-sign without the police key, shows
that the export once held more. `police-verify --acked FILE --police-key KEY` compares the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol.durable import atomic_write
from protocol.envelope import Envelope, open_envelope
from protocol.errors import Rejected
from protocol.messages.police import PoliceAck


class AckRecordError(ValueError):
    """The record is missing, unreadable or not signed by the police key."""


@dataclass(frozen=True)
class AckRecord:
    upto_seq: int
    head: str
    checkpoint_seq: int
    ts: int
    sender: str


def default_path(police_key: Path) -> Path:
    return police_key.with_name(police_key.stem + ".acked.json")


def inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def save(path: Path, ack: Envelope) -> None:
    """Replace the record with the ack just sent (it only ever follows a durable append)."""
    atomic_write(path, msgspec.json.encode(ack) + b"\n")


def load(path: Path, police_key: Ed25519PublicKey) -> AckRecord:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AckRecordError(f"{path}: cannot be read ({exc.strerror})") from exc
    try:
        env, body = open_envelope(raw.strip(), lambda _sender: police_key)
    except Rejected as exc:
        raise AckRecordError(f"{path}: not a police.ack signed by the police key ({exc})") from exc
    if not isinstance(body, PoliceAck):
        raise AckRecordError(f"{path}: holds a {env.type}, not a police.ack")
    return AckRecord(upto_seq=body.upto_seq, head=body.head, checkpoint_seq=body.checkpoint_seq, ts=env.ts,
                     sender=env.sender)
