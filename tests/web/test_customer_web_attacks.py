"""Attacks on the customer web app, each refused with a clear answer and nothing changed at the hub: another
customer's order id, a missing or wrong CSRF token, an oversized or non-image upload, SMS login brute force;
and a request driven over plain HTTP gets the hub's own field-level errors. (Forged, replayed and wrong-amount
payment notifications: tests/payments/test_payments.py, through the same webhook the pay page uses.)"""

from __future__ import annotations

from pathlib import Path

from hub.service import wait_until
from tests.hub.world import resident_id
from tests.images import ID_PHOTO
from tests.web.client import Client, login
from tests.web.stack import start_stack

A, B, C = "13911110001", "13911110002", "13911110003"


def _request_fields(**over: str) -> dict[str, str]:
    fields = {"customer_name": "王五", "customer_id_number": resident_id(701, "19900101"), "voucher_kind": "witness",
              "voucher_name": "赵六", "voucher_id_number": resident_id(702, "19850101"), "badge_number": "",
              "site_address": "北京市东城区东长安街1号", "site_lat": "39.9087", "site_lon": "116.3975", "category": "open",
              "lock_class": "B", "rule": "eta", "appointment": ""}
    return {**fields, **over}


def _photos(data: bytes = ID_PHOTO) -> dict[str, tuple[str, bytes]]:
    return {"customer_id_photo": ("id.jpg", data), "voucher_id_photo": ("w.jpg", data)}


def _orders(stack) -> int:  # type: ignore[no-untyped-def]
    return int(stack.world.conn.execute("SELECT count(*) FROM orders").fetchone()[0])


def test_attacks_are_refused_and_change_nothing(deployment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stack = start_stack(deployment, max_photo_bytes=200_000, cookie_secure=True)
    try:
        a, b = Client(stack.url), Client(stack.url)
        login(a, stack, A)
        fresh = Client(stack.url).get("/login")[2]["set-cookie"]
        assert "HttpOnly" in fresh and "Secure" in fresh and "SameSite=lax" in fresh

        # Field-level errors from the hub itself, over plain HTTP.
        a.get("/request")
        status, text, _h = a.post_multipart("/request", _request_fields(customer_id_number="110105199001010000"),
                                            _photos())
        assert status == 400 and 'data-field="customer_id_number"' in text and _orders(stack) == 0

        # Uploads: too large, not an image.
        a.get("/request")
        status, text, _h = a.post_multipart("/request", _request_fields(), _photos(b"\xff\xd8" + b"0" * 300_000))
        assert status == 400 and 'data-field="customer_id_photo"' in text and _orders(stack) == 0  # per photo
        a.get("/request")
        status, text, _h = a.post_multipart("/request", _request_fields(), _photos(b"\xff\xd8" + b"0" * 700_000))
        assert status == 413 and _orders(stack) == 0  # the whole upload, refused before it is read
        a.get("/request")
        status, text, _h = a.post_multipart("/request", _request_fields(), _photos(b"%PDF-1.7 not a photo"))
        assert status == 400 and 'data-field="customer_id_photo"' in text and _orders(stack) == 0

        # A real request, then another customer tries to reach it.
        a.get("/request")
        status, _t, h = a.post_multipart("/request", _request_fields(), _photos())
        assert status == 303, _t
        order_id = h["location"].rsplit("/", 1)[1]
        stack.accept_offer(order_id)
        login(b, stack, B)
        for path in (f"/orders/{order_id}", f"/orders/{order_id}/photo", "/orders/..%2F..%2Fetc%2Fpasswd"):
            assert b.get(path)[0] == 404, path
        assert b.post(f"/orders/{order_id}/decide", {"accept": "1"})[0] == 404
        assert stack.world.state(order_id) == "awaiting_customer"

        # CSRF: missing, wrong, or another session's token.
        assert wait_until(lambda: 'id="accept"' in a.get(f"/orders/{order_id}")[1], 30)  # the card reached the app
        for token in (None, "forged", b.csrf):
            status, text, _h = a.post(f"/orders/{order_id}/decide", {"accept": "1"}, csrf=token)
            assert status == 403, token
        assert stack.world.state(order_id) == "awaiting_customer"
        status, _t, _h = a.post(f"/orders/{order_id}/decide", {"accept": "1"})
        assert status == 303 and stack.world.state(order_id) == "awaiting_payment"

        # SMS login brute force: five wrong codes kill the code; the right one is then refused too.
        c = Client(stack.url)
        c.get("/login")
        status, _t, h = c.post("/login", {"mobile": C})
        right = stack.sms_code(C)
        c.get(h["location"])
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        answers = [c.post("/login/code", {"mobile": C, "code": wrong})[0] for _ in range(5)]
        assert answers == [401, 401, 401, 401, 429]
        assert c.post("/login/code", {"mobile": C, "code": right})[0] == 429
        assert c.get("/orders")[2]["location"] == "/login"  # not logged in
        status, _t, h = c.post("/login", {"mobile": C})  # asking again at once sends no second SMS
        assert status == 303 and len(__import__("hub.notify.store", fromlist=["x"]).sandbox_inbox(
            stack.world.conn, C)) == 1
    finally:
        stack.stop()
