"""The customer rates the locksmith from the app (R-13), e.g. after the follow-up SMS's link."""

from __future__ import annotations

import msgspec

from protocol.registry import message

_ORDER = "01JGZ0000000000000000000AA"


@message("customer.rate", sender="customer", summary="The customer's 1-5 rating of the locksmith (R-13).",
         example=lambda: CustomerRate(order_id=_ORDER, stars=5, note="准时"))
class CustomerRate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str
    stars: int
    note: str = ""
