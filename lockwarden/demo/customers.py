"""Demo part 3b: customers outside the hub. A hotline caller gets the locksmith and the service code by SMS
(sandbox provider); a customer uses the web app over HTTP - logs in with the SMS code, asks with ID photos,
accepts the locksmith, pays on the sandbox provider's pay page, and the order forms on the provider's
signed notification; the app's address is printed for a person to open."""

from __future__ import annotations

import re
import time
from typing import Any

from hub.notify import store as sms
from lockwarden.customer_web import server
from lockwarden.customer_web.gateway import ensure_account
from lockwarden.customer_web.settings import WebSettings
from lockwarden.demo.city import City, request_body, wait
from lockwarden.demo.dispatch import Plan
from lockwarden.demo.onsite import order_state, state_words
from lockwarden.demo.photos import request_photos
from lockwarden.demo.web_client import Client
from protocol.i18n import _
from protocol.labels import NOTIFY_STATES, ORDER_STATES, label

CALLER = "13700000001"
WEB_CUSTOMER = "13700000002"
ALL_ACCEPT = {"kit-001": True, "kit-002": True, "kit-003": True}


def _inbox(city: City, mobile: str) -> list[dict[str, Any]]:
    hub = city.world.hub
    assert hub is not None
    with hub._lock:
        return sms.sandbox_inbox(hub.conn, mobile)


def hotline(city: City, say: Any) -> bool:
    say.scene(_("A hotline call: the operator keys the request in, records the caller's yes and the payment at "
                "the counter"))
    body = {**request_body(1, "eta", name="赵大爷"), "customer_mobile": CALLER}
    order_id = city.call("order.create", {"customer_id": f"tel-{CALLER}", "request": body})["order_id"]
    say(_("  {name} calls the hotline; the operator keys in the request: {order}").format(
        name="赵大爷", order=say.number(order_id)))
    city.dispatcher._register(order_id, Plan(dict(ALL_ACCEPT), []))
    if not wait(lambda: order_state(city, order_id) == "awaiting_customer", 60):
        return False
    city.call("order.decide", {"order_id": order_id, "accept": True})
    city.call("order.pay", {"order_id": order_id, "amount_fen": 25_000, "external_ref": "柜台-0001"})
    if not wait(lambda: bool(_inbox(city, CALLER)), 30):
        say(_("  no SMS reached the caller"))
        return False
    say(_("  the caller's phone (sandbox SMS) shows: {text}").format(text=_inbox(city, CALLER)[-1]["text"]))
    [row] = [r for r in city.call("notify.list", {"order_id": order_id}) if r["purpose"] == "service_code"]
    say(_("  the operator's list of text messages: to {to}, {state}; the code is masked there: {text}").format(
        to=row["to"], state=label(NOTIFY_STATES, row["state"]), text=row["text"]))
    city.call("order.cancel", {"order_id": order_id, "reason": "demo: the caller found the key"})
    return row["state"] == "sent"


def web_customer(city: City, say: Any, base: str) -> bool:
    say.scene(_("A customer on the web app at {url} (driven over HTTP here; it serves until the demo ends, and "
                "`lockwarden customer-web --hub-dir {hub}` serves it for good)").format(url=base,
                                                                                     hub=city.world.home.dir))
    c = Client(base)
    c.get("/login")
    _s, _t, h = c.post("/login", {"mobile": WEB_CUSTOMER})
    if not wait(lambda: bool(_inbox(city, WEB_CUSTOMER)), 30):
        return False
    code = re.findall(r"\b(\d{6})\b", _inbox(city, WEB_CUSTOMER)[-1]["text"])[0]
    c.get(h["location"])
    status, _t, h = c.post("/login/code", {"mobile": WEB_CUSTOMER, "code": code})
    say(_("  {name} logs in with the code from a text message: {ok}").format(
        name="钱多多", ok=_("yes") if status == 303 else _("NO")))
    c.get("/request")
    photos = request_photos(2)
    body = request_body(2, "quality")
    fields = {"customer_name": "钱多多", "customer_id_number": body["customer_id_number"], "voucher_kind": "witness",
              "voucher_name": body["witness"]["name"], "voucher_id_number": body["witness"]["id_number"],
              "badge_number": "", "site_address": body["site_address"], "site_lat": str(body["site_lat"]),
              "site_lon": str(body["site_lon"]), "category": "open", "lock_class": "B", "rule": "quality",
              "appointment": ""}
    status, text, h = c.post_multipart("/request", fields, {"customer_id_photo": ("id.png", photos["customer"]),
                                                            "voucher_id_photo": ("w.png", photos["witness"])})
    if status != 303:
        say(_("  the request was refused: {t}").format(t=re.sub(r"<[^>]+>", " ", text)[:300]))
        return False
    order_id = h["location"].rsplit("/", 1)[1]
    say(_("  {name} asks for a locksmith with two ID photos from the phone: {order}").format(
        name="钱多多", order=say.number(order_id)))
    city.dispatcher._register(order_id, Plan(dict(ALL_ACCEPT), [True]))
    if not wait(lambda: 'id="accept"' in c.get(f"/orders/{order_id}")[1], 60):
        return False
    name = re.search(r'id="smith-name">([^<]+)<', c.get(f"/orders/{order_id}")[1])
    say(_("  sees the locksmith's card with photo ({n}) and accepts").format(n=name.group(1) if name else "?"))
    c.post(f"/orders/{order_id}/decide", {"accept": "1"})
    if not wait(lambda: 'id="pay"' in c.get(f"/orders/{order_id}")[1], 30):
        return False
    status, _t, h = c.post(f"/orders/{order_id}/pay", {})
    pay_url = h.get("location", "")
    before = order_state(city, order_id)
    page = Client(pay_url.split("/sandbox/")[0])
    status, text, _h = page.request("POST", "/sandbox/" + pay_url.split("/sandbox/", 1)[1], b"")
    say(_("  pays on the sandbox payment provider's page: {word}; the order stayed {before} until the provider's "
          "signed notification reached the hub").format(word=_("paid") if "Paid" in text else _("NOT paid"),
                                                         before=label(ORDER_STATES, before)))
    formed = wait(lambda: 'id="code"' in c.get(f"/orders/{order_id}")[1], 30)
    shown = re.search(r'id="code">(\d{6})<', c.get(f"/orders/{order_id}")[1])
    say(_("  the app shows the service code {code}; the order is {state}").format(
        code=shown.group(1) if shown else "?", state=state_words(city, order_id)))
    c.post(f"/orders/{order_id}/abandon", {"sure": "1", "reason": "demo"})  # before set-out: all money back
    return formed and order_state(city, order_id) in ("formed", "abandoned")


def run(city: City, say: Any) -> bool:
    w = city.world
    assert w.hub is not None
    ok = hotline(city, say)
    ensure_account(w.home)
    w.broker.reload()
    time.sleep(0.5)
    app = server.build(w.home, WebSettings(), clock=w.clock, broker_port=w.broker.port,
                       pay_origin=w.hub.plugins["payments"].url)
    running = server.start(app, host="127.0.0.1", port=0)
    try:
        base = running.url.replace("127.0.0.1", "localhost")
        ok = web_customer(city, say, base) and ok
    finally:
        running.stop()
    return ok
