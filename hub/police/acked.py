"""The police side's own record of what it acknowledged, kept outside the export folder.

Every `police.ack` the export sends says "I hold every entry up to `upto_seq`, whose hash is `head`, and
the hub's checkpoint up to `checkpoint_seq`", signed with the police key. `police-export` keeps the latest
one, exactly as sent, in a file outside the export (`--acked`, default beside the police key). Someone who
can edit the export can cut its tail and fall back to an older, genuine hub checkpoint: everything left is
then validly signed by the hub. Only this record, which they cannot re-sign without the police key, shows
that the export once held more. `police-verify --acked FILE --police-key KEY` compares the two.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol.durable import atomic_write
from protocol.envelope import Envelope, open_envelope
from protocol.errors import Rejected
from protocol.messages.police import PoliceAck

log = logging.getLogger(__name__)


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


def save(path: Path, ack: Envelope) -> bool:
    """Replace the record with the ack just sent (it only ever follows a durable append). Never lowered: an
    export that now holds less than the record says (restored from an old copy, rolled back) must not wipe
    the evidence of it by acknowledging less; that is logged and the record kept. Returns whether saved."""
    new_seq, new_cp = _marks(ack.body)
    try:
        old = msgspec.json.decode(path.read_bytes())
        old_seq, old_cp = _marks(old.get("body", {}))
    except (OSError, msgspec.DecodeError, AttributeError):
        old_seq, old_cp = -1, -1
    if new_seq < old_seq or new_cp < old_cp:
        log.error("police export acknowledges up to seq %s (checkpoint %s) but its own record says it held seq %s "
                  "(checkpoint %s): the export lost entries; the record in %s is kept", new_seq, new_cp, old_seq,
                  old_cp, path)
        return False
    atomic_write(path, msgspec.json.encode(ack) + b"\n")
    return True


def _marks(body: object) -> tuple[int, int]:
    if not isinstance(body, dict):
        return -1, -1
    return int(body.get("upto_seq", -1)), int(body.get("checkpoint_seq", 0))


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
