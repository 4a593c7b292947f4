"""The order number a person reads out: the same on the kit, at the console, in the sandbox's lines and the
police tools, so a locksmith, an operator and an officer on the phone name the same order."""

from __future__ import annotations

from protocol.i18n import _


def short_order(order_id: str) -> str:
    """The order id's last six characters in groups of three ("4K2-7QX"); the full id stays in the records
    and on the form."""
    tail = order_id[-6:].upper()
    return f"{tail[:3]}-{tail[3:]}" if len(tail) == 6 else order_id


def order_label(order_id: str, number: int | None) -> str:
    """The order as people name it: "order No. 1 (AZN-WZM)", the hub's running number (the console's No.
    column) beside the short number the kit shows; "order AZN-WZM" while the running number is not known."""
    short = short_order(order_id)
    return _("order No. {n} ({short})").format(n=number, short=short) if number else _("order {short}").format(short=short)
