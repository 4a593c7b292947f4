"""Simulated customers arriving at a steady pace through the customer web app, over HTTP as a phone would:
log in with the SMS code, ask for a locksmith with ID photos, accept the locksmith the hub proposes, pay on the
sandbox provider's page; then say the service code the locksmith will ask for at the site."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lockwarden.demo.city import SITE, request_body
from lockwarden.demo.photos import request_photos
from lockwarden.demo.web_client import Client
from protocol.i18n import _
from protocol.labels import ORDER_STATES, label
from protocol.orderno import order_label

NAMES = ("钱多多", "孙丽", "周敏", "吴刚", "郑爽", "冯雪", "陈晨", "褚杰", "卫东", "蒋琳")
RULES = ("eta", "quality", "grade")
WAITING = ("new", "scheduled", "dispatching", "unassigned", "awaiting_customer", "awaiting_payment")
GIVE_UP_S = 20 * 60  # a customer nobody came for stops looking after this long


def customer_finger(n: int) -> str:
    return f"customer-{n}/right-thumb"


class Customers:
    def __init__(self, base_url: str, hub_db: Path, say: Callable[[str], None], *, every_s: float, limit: int,
                 first: int, counted: Callable[[int], None]) -> None:
        self.base = base_url
        self.hub_db = hub_db
        self.say = say
        self.every_s = every_s
        self.limit = limit
        self.next_no = first
        self.counted = counted  # the sandbox keeps the count, so a reopening gives new phone numbers
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pace = threading.Thread(target=self._arrive, name="customers", daemon=True)

    def start(self) -> Customers:
        self._pace.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._pace.join(timeout=5)
        for t in self._threads:
            t.join(timeout=5)

    def _arrive(self) -> None:
        started = 0
        while not self._stop.is_set() and (self.limit <= 0 or started < self.limit):
            n = self.next_no
            self.next_no += 1
            self.counted(self.next_no)
            t = threading.Thread(target=self._one, args=(n,), name=f"customer-{n}", daemon=True)
            t.start()
            self._threads = [x for x in self._threads if x.is_alive()] + [t]
            started += 1
            self._stop.wait(self.every_s)

    def _one(self, n: int) -> None:
        try:
            self._visit(n)
        except Exception as exc:  # one customer's trouble is said, the city goes on
            if not self._stop.is_set():
                self.say(_("customer {n}: stopped: {error}").format(n=n, error=exc))

    def _state(self, order_id: str) -> str:
        from hub.db import connect
        from hub.orders.store import state_of
        from hub.registry.errors import NotFound

        conn = connect(self.hub_db)
        try:
            return state_of(conn, order_id)
        except NotFound:
            return "?"
        finally:
            conn.close()

    def _named(self, order_id: str) -> str:
        """"order No. 1 (AZN-WZM)": the hub's running number (the console's No. column) and the kit's short one."""
        from hub.db import connect
        from hub.orders.store import order_row
        from hub.registry.errors import NotFound

        conn = connect(self.hub_db)
        try:
            return order_label(order_id, order_row(conn, order_id).number)
        except NotFound:
            return order_label(order_id, None)
        finally:
            conn.close()

    def _sms_code(self, mobile: str) -> str | None:
        from hub.db import connect
        from hub.notify.store import sandbox_inbox

        conn = connect(self.hub_db)
        try:
            for msg in reversed(sandbox_inbox(conn, mobile)):
                found = re.findall(r"\b(\d{6})\b", msg["text"])
                if found:
                    return str(found[0])
        finally:
            conn.close()
        return None

    def _wait(self, pred: Callable[[], Any], timeout_s: float, every_s: float = 1.0) -> Any:
        deadline = time.monotonic() + timeout_s
        while not self._stop.is_set() and time.monotonic() < deadline:
            got = pred()
            if got:
                return got
            self._stop.wait(every_s)
        return None

    def _visit(self, n: int) -> None:
        mobile = f"1370000{n:04d}"
        name = NAMES[n % len(NAMES)]
        rule = RULES[n % len(RULES)]
        c = Client(self.base)
        c.get("/login")
        _s, _t, h = c.post("/login", {"mobile": mobile})
        code = self._wait(lambda: self._sms_code(mobile), 60)
        if not code:
            self.say(_("customer {n}: no login code arrived by SMS").format(n=n))
            return
        c.get(h.get("location", "/login/code"))
        c.post("/login/code", {"mobile": mobile, "code": code})
        c.get("/request")
        lat = round(SITE[0] + ((n * 7) % 11 - 5) * 0.002, 5)
        lon = round(SITE[1] + ((n * 5) % 9 - 4) * 0.002, 5)
        body = request_body(n, rule)
        photos = request_photos(n)
        fields = {"customer_name": name, "customer_id_number": body["customer_id_number"], "voucher_kind": "witness",
                  "voucher_name": body["witness"]["name"], "voucher_id_number": body["witness"]["id_number"],
                  "badge_number": "", "site_address": f"北京市东城区东长安街{n}号", "site_lat": str(lat),
                  "site_lon": str(lon), "category": "open", "lock_class": "B", "rule": rule, "appointment": ""}
        status, text, h = c.post_multipart("/request", fields, {"customer_id_photo": ("id.png", photos["customer"]),
                                                                "voucher_id_photo": ("w.png", photos["witness"])})
        if status != 303:
            self.say(_("customer {n}: the request was refused: {text}").format(
                n=n, text=re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))[:200]))
            return
        order_id = h["location"].rsplit("/", 1)[1]
        order = self._named(order_id)  # as the console and the kit name it, never the whole id
        self.say(_("customer {n} {name} ({mobile}) asks for a locksmith at {lat}, {lon}: {order}").format(
            n=n, name=name, mobile=mobile, lat=lat, lon=lon, order=order))
        page = f"/orders/{order_id}"

        told: set[str] = set()

        def card() -> bool | str:
            state = self._state(order_id)
            if state == "unassigned" and state not in told:
                # the hub offers it again later (retry_unassigned_s); the customer keeps waiting for a card
                told.add(state)
                self.say(_("customer {n}: {order} {state}").format(n=n, order=order,
                                                                         state=label(ORDER_STATES, state)))
            if state not in WAITING:
                return state
            return 'id="accept"' in c.get(page)[1]

        got = self._wait(card, GIVE_UP_S, 2.0)
        if got is None or isinstance(got, str):
            if got is not None:
                self.say(_("customer {n}: {order} {state}").format(n=n, order=order,
                                                                         state=label(ORDER_STATES, got)))
            return
        c.post(f"{page}/decide", {"accept": "1"})
        if not self._wait(lambda: 'id="pay"' in c.get(page)[1], 120):
            return
        _s, _t, h = c.post(f"{page}/pay", {})
        pay_url = h.get("location", "")
        origin, _sep, path = pay_url.partition("/sandbox/")
        Client(origin).request("POST", "/sandbox/" + path, b"")
        shown = self._wait(lambda: re.search(r'id="code">(\d{6})<', c.get(page)[1]), 120)
        if shown is None:
            return
        self.say(_("customer {n} accepted the locksmith and paid: {order} formed; at the site the "
                   "service code is {code}, the customer's finger `place {finger}`").format(
            n=n, order=order, code=shown.group(1), finger=customer_finger(n)))
