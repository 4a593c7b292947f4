"""What a kit says about itself and what it captured."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from protocol.registry import message


@message(
    "kit.record",
    sender="kit",
    summary="One capture or event recorded on the kit, committed locally before it was sent.",
    example=lambda: KitRecord(kind="job.arrival", captured_at=1767225600000, order_id="01JGZ0000000000000000000AA",
                              data={"lat": 39.9087, "lon": 116.3975, "distance_m": 12.5}),
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
