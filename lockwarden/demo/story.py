"""How the demo speaks: a story in acts a stranger can follow. Each part of the system is a section with a
heading of its own (`section(title)`); what happens in the background while another act is told (a dispatch
retry of an earlier order) is an aside naming its order and customer, never a bare line in the wrong act.

People are named, orders go by the hub's short number and the customer's name, money is in yuan, durations
are said in seconds, minutes, hours or days, closed values read through protocol/labels.py, and ID numbers
show their last four characters only. A new act is one more `(title, function)` in run.py's list."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from lockwarden.console.fmt import mask_id
from protocol.i18n import _, ngettext
from protocol.labels import yuan

__all__ = ["Story", "duration", "mask_id", "megabytes", "words_list", "yuan"]


class Story:
    """The demo's voice. Calling it says one line as it is (the acts pass it around as `say`)."""

    def __init__(self, out: Callable[[str], None] | None = None) -> None:
        self._out = out or (lambda text: print(text, flush=True))
        self._lock = threading.Lock()  # kits' threads tell asides while the main thread tells the act
        self.act = 0
        self.titles: list[str] = []
        self._lookup: Callable[[str], tuple[int, str] | None] = lambda order_id: None  # set once the hub runs

    def __call__(self, text: str) -> None:
        with self._lock:
            self._out(text)

    def section(self, title: str) -> None:
        """The heading of the next act, numbered in the order the acts are told."""
        self.act += 1
        self.titles.append(title)
        self("")
        self(_("== Act {n}: {title} ==").format(n=self.act, title=title))

    def ending(self, title: str) -> None:
        """The closing heading, after the last act."""
        self("")
        self(_("== {title} ==").format(title=title))

    def bind(self, hub: Any) -> None:
        """Orders are named from this hub's own listing (its short number is the order's row)."""
        self._lookup = order_lookup(hub)

    def orders(self, order_id: str) -> str:
        """'order No. 3 (王芳)': the order by its short number and its customer's name."""
        found = self._lookup(order_id)
        if found is None:
            return _("an order")
        return _("order No. {n} ({customer})").format(n=found[0], customer=found[1])

    def number(self, order_id: str) -> str:
        """'order No. 3', where the customer was just named."""
        found = self._lookup(order_id)
        return _("order No. {n}").format(n=found[0]) if found else _("an order")

    def scene(self, text: str) -> None:
        """A scene inside the act: a short heading in front of its lines."""
        self(" " + _("* {text}").format(text=text))

    def aside(self, order_id: str, text: str) -> None:
        """Something another order does meanwhile (a retry, a late offer), attributed to that order."""
        self("    " + _("(meanwhile, {order}: {text})").format(order=self.orders(order_id), text=text))


def duration(seconds: float) -> str:
    """A time span as people say it: seconds under two minutes, minutes under two hours, then hours, days."""
    s = max(0, round(seconds))
    if s < 120:
        return ngettext("{n} second", "{n} seconds", s).format(n=s)
    if s < 2 * 3600:
        m = round(s / 60)
        return ngettext("{n} minute", "{n} minutes", m).format(n=m)
    if s < 2 * 86_400:
        h = round(s / 3600)
        return ngettext("{n} hour", "{n} hours", h).format(n=h)
    d = round(s / 86_400)
    return ngettext("{n} day", "{n} days", d).format(n=d)


def words_list(items: Iterable[str]) -> str:
    """Items one after another, with the reader's language's separator."""
    return _(", ").join(items)


def megabytes(size: int) -> str:
    return _("{n} MB").format(n=f"{size / 1_048_576:.1f}")


def order_lookup(hub: Any) -> Callable[[str], tuple[int, str] | None]:
    """(short number, customer's name) of an order id, from the hub's operator listing."""
    from hub.orders.store import listing

    def find(order_id: str) -> tuple[int, str] | None:
        with hub._lock:
            rows = [r for r in listing(hub.conn, None, 10_000) if r["id"] == order_id]
        return (int(rows[0]["number"]), str(rows[0]["customer_name"] or "?")) if rows else None

    return find
