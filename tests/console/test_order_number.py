"""The console names an order by the number the kit, the customer and the sandbox read out ("AZN-WZM")
beside its list number, so the operator on the phone with a locksmith finds the same order."""

from __future__ import annotations

from lockwarden.console.fmt import order_detail, short
from lockwarden.kit_ui.model import short_order
from protocol.i18n import set_language

ORDER = "01M996QK0YFY16HGX1GCAZNWZM"


def test_console_and_kit_read_the_same_order_number(english: None) -> None:
    set_language("en")
    assert short(ORDER) == short_order(ORDER) == "AZN-WZM"
    assert order_detail({"id": ORDER, "state": "formed"}, 1).startswith("order No. 1 (AZN-WZM)")
    assert order_detail({"id": ORDER, "state": "formed"}).startswith("Order AZN-WZM")
