"""What a kit says about itself and what it captured."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from protocol.jobrecords import Arrived, Position, RecordKind, encode
from protocol.registry import message


def _arrived() -> dict[str, Any]:
    return encode(Arrived(kit_id="kit-001", locksmith_id="L000123", position=Position(39.9088, 116.3976, 1, 9, 0.9),
                          step="arrived", code_checked=True, code_attempts=1, distance_m=12.5, max_distance_m=200.0,
                          code_proof="5c1f…(HMAC-SHA256, hex)"))


@message(
    "kit.record",
    sender="kit",
    summary="One capture or event recorded on the kit, committed locally before it was sent; a job record's "
            "`kind` and `data` are defined in protocol/jobrecords.py (table below).",
    example=lambda: KitRecord(kind=RecordKind.ARRIVED.value, captured_at=1767225600000,
                              order_id="01JGZ0000000000000000000AA", data=_arrived()),
)
class KitRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: str
    captured_at: int
    data: dict[str, Any]
    order_id: str | None = None


@message(
    "kit.state",
    sender="kit",
    summary="Presence: `online` as the birth message, `offline` as the last will (pre-signed at connect).",
    example=lambda: KitState(status="online", since=1767225600000, software="0.1.0", backlog_records=0,
                             backlog_files=0),
)
class KitState(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    status: Literal["online", "offline"]
    since: int
    software: str = ""
    backlog_records: int = 0
    backlog_files: int = 0
