"""The console names an order by the number the kit, the customer and the sandbox read out ("AZN-WZM")
beside its list number, so the operator on the phone with a locksmith finds the same order."""

from __future__ import annotations

from lockwarden.console.fmt import order_detail, short
from lockwarden.kit_ui.model import short_order
from protocol.i18n import set_language
from protocol.orderno import order_label

ORDER = "01M996QK0YFY16HGX1GCAZNWZM"


def test_console_and_kit_read_the_same_order_number(english: None) -> None:
    set_language("en")
    assert short(ORDER) == short_order(ORDER) == "AZN-WZM"
    assert order_detail({"id": ORDER, "state": "formed"}, 1).startswith("order No. 1 (AZN-WZM)")
    assert order_detail({"id": ORDER, "state": "formed"}).startswith("Order AZN-WZM")


def test_one_order_label_for_the_console_and_the_sandbox(english: None) -> None:
    """protocol.orderno.order_label is the one way to write "order No. 1 (AZN-WZM)": the console's detail and
    the sandbox's lines both use it."""
    set_language("en")
    assert order_label(ORDER, 1) == "order No. 1 (AZN-WZM)" and order_label(ORDER, None) == "order AZN-WZM"
    set_language("zh_CN")
    assert order_label(ORDER, 1) == "订单 1 号（AZN-WZM）" and order_label(ORDER, None) == "订单 AZN-WZM"
