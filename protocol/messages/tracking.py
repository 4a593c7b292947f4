"""Where the customer's locksmith is, after set-out (from the kit's GNSS reports, relayed by the hub)."""

from __future__ import annotations

import msgspec

from protocol.registry import message

_ORDER = "01JGZ0000000000000000000AA"


@message("customer.locksmith_position", sender="hub",
         summary="The locksmith on the way: position, distance and arrival estimate (every 10 s at most).",
         example=lambda: LocksmithPosition(order_id=_ORDER, lat=39.9123, lon=116.4012, distance_m=1830, eta_s=370,
                                           at_ms=1767225630000))
class LocksmithPosition(msgspec.Struct, frozen=True):
    order_id: str
    lat: float
    lon: float
    distance_m: int
    eta_s: int
    at_ms: int
