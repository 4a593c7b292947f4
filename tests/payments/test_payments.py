"""Payments the provider confirms: a customer cannot pay `manual`; a sandbox payment forms the order only on
the provider's verified notification; forged, altered, stale, replayed and wrong-amount notifications are
refused (or answered as duplicates) with nothing changed; WeChat Pay v3 notifications are verified and
decrypted as WeChat documents them; refunds go back through the provider that took the money; the webhook
and the sandbox pay page work over real HTTP."""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hub.payments import notifications
from hub.payments.provider import PAY_PROVIDERS, NotificationRefused, register
from hub.payments.sandbox import SandboxPayProvider
from hub.payments.wechatpay import WeChatPayProvider
from hub.service import make_hub
from protocol.i18n import _
from tests.hub.world import World

FEN = 25_000


@pytest.fixture
def sandbox() -> Iterator[SandboxPayProvider]:
    key = Ed25519PrivateKey.generate()
    provider = SandboxPayProvider(key.public_key(), "http://pay.test", signing_key=key)
    register(provider)
    yield provider
    PAY_PROVIDERS.pop("sandbox", None)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path / "hub.db")


def awaiting_payment(world: World, customer: str = "c-1") -> str:
    lid = world.locksmith()
    order = world.request(customer)
    offer = world.offers_to(lid)[-1]
    assert world.kit(world.kits[lid], "job.accept", {"offer_id": offer["offer_id"]})["ok"]
    world.customer(customer, "customer.decision", {"order_id": order, "accept": True})
    assert world.state(order) == "awaiting_payment"
    return order


def snapshot(world: World) -> tuple[int, int, int]:
    c = world.conn
    return (c.execute("SELECT count(*) FROM ledger_transfers").fetchone()[0],
            c.execute("SELECT count(*) FROM ledger_payments").fetchone()[0],
            c.execute("SELECT count(*) FROM order_transitions").fetchone()[0])


def start_payment(world: World, order: str, provider: str = "sandbox", customer: str = "c-1") -> dict[str, object]:
    world.customer(customer, "customer.pay", {"order_id": order, "amount_fen": FEN, "provider": provider,
                                              "external_ref": ""})
    assert world.last(customer, "customer.request_result")["ok"], world.last(customer, "customer.request_result")
    return world.last(customer, "customer.payment_created")


def test_a_customer_cannot_pay_manual(world: World, sandbox: SandboxPayProvider) -> None:
    order = awaiting_payment(world)
    before = snapshot(world)
    world.customer("c-1", "customer.pay", {"order_id": order, "amount_fen": FEN, "provider": "manual",
                                           "external_ref": "i-never-paid"})
    result = world.last("c-1", "customer.request_result")
    assert not result["ok"]
    assert result["errors"][0]["message"] == _("a counter (manual) payment is recorded by an operator, not by the customer")
    assert world.state(order) == "awaiting_payment" and snapshot(world) == before


def test_sandbox_payment_forms_the_order_only_on_the_signed_notification(world: World,
                                                                          sandbox: SandboxPayProvider) -> None:
    order = awaiting_payment(world)
    created = start_payment(world, order)
    assert created["pay_url"] == f"http://pay.test/sandbox/pay/{created['trade_no']}" and created["amount_fen"] == FEN
    assert world.state(order) == "awaiting_payment"  # asking to pay is not paying
    headers, body = sandbox.notification(str(created["trade_no"]), FEN, world.clock.now_ms(), txn="SBX-1")
    v = notifications.receive(world.conn, world.clock, "sandbox", headers, body)
    assert (v.status, v.verdict, v.reason) == (200, "applied", "paid")
    assert world.state(order) == "formed"
    pay = world.conn.execute("SELECT provider, external_ref, amount, actor FROM ledger_payments").fetchone()
    assert tuple(pay) == ("sandbox", "SBX-1", FEN, "provider:sandbox")
    assert world.last("c-1", "customer.order_success")["order_id"] == order
    # The provider sends it again (it retries until answered): received, nothing changes.
    before = snapshot(world)
    again = notifications.receive(world.conn, world.clock, "sandbox", headers, body)
    assert (again.status, again.verdict) == (200, "duplicate") and snapshot(world) == before


def test_forged_altered_stale_and_wrong_amount_notifications_change_nothing(world: World,
                                                                             sandbox: SandboxPayProvider) -> None:
    order = awaiting_payment(world)
    trade = str(start_payment(world, order)["trade_no"])
    now = world.clock.now_ms()
    before = snapshot(world)
    forger = SandboxPayProvider(sandbox.verify_key, signing_key=Ed25519PrivateKey.generate())
    cases = {"forged": forger.notification(trade, FEN, now)}
    h, b = sandbox.notification(trade, FEN, now)
    cases["altered"] = (h, b.replace(b'"amount_fen": 25000', b'"amount_fen": 1'))
    cases["stale"] = sandbox.notification(trade, FEN, now - 10 * 60_000)
    cases["wrong amount"] = sandbox.notification(trade, 100, now)  # signed by the provider, but not our amount
    cases["unsigned"] = ({}, b)
    cases["unknown trade"] = sandbox.notification("01NOPE-01", FEN, now)
    verdicts = {name: notifications.receive(world.conn, world.clock, "sandbox", hh, bb) for name, (hh, bb) in
                cases.items()}
    assert {n: (v.status, v.verdict) for n, v in verdicts.items()} == {
        "forged": (401, "refused"), "altered": (401, "refused"), "stale": (401, "refused"),
        "wrong amount": (400, "refused"), "unsigned": (401, "refused"), "unknown trade": (400, "refused")}
    assert verdicts["wrong amount"].reason.startswith("amount 100")
    assert world.state(order) == "awaiting_payment" and snapshot(world) == before
    kept = world.conn.execute("SELECT verdict, reason FROM payment_notifications ORDER BY n").fetchall()
    assert len(kept) == 6 and all(k[0] == "refused" for k in kept)  # kept for inspection
    assert len([e for e in world.inbox("operator", "*", "ops.event")
                if e.get("kind") == "payment.notification_refused"]) == 6
    assert notifications.receive(world.conn, world.clock, "paypal", {}, b"{}").status == 404


def test_a_late_payment_is_refunded_through_the_provider_that_took_it(world: World,
                                                                       sandbox: SandboxPayProvider) -> None:
    order = awaiting_payment(world)
    trade = str(start_payment(world, order)["trade_no"])
    world.tick(3_600_000)  # the payment window passes: the order is cancelled
    assert world.state(order) == "cancelled"
    headers, body = sandbox.notification(trade, FEN, world.clock.now_ms(), txn="SBX-LATE")
    v = notifications.receive(world.conn, world.clock, "sandbox", headers, body)
    assert (v.verdict, v.reason) == ("applied", "late") and world.state(order) == "cancelled"
    due = world.ops("ledger.refunds_due", {})["result"]
    [owed] = due["customers"]
    assert owed["balance_fen"] == FEN and owed["payments"][0]["external_ref"] == "SBX-LATE"
    done = world.ops("ledger.refund", {"customer_id": "c-1", "provider": "sandbox",
                                       "payment_id": owed["payments"][0]["payment_id"]})
    assert done["ok"] and done["result"]["amount_fen"] == FEN, done
    assert sandbox.refunds == [("SBX-LATE", FEN, done["result"]["external_ref"])]


# -- WeChat Pay API v3 ---------------------------------------------------------------------------------------
MCHID = "1900000109"
APIV3 = "0123456789abcdef0123456789abcdef"


def wechat_notification(platform: rsa.RSAPrivateKey, trade: str, total: int, now_ms: int, *, key: str = APIV3,
                        mchid: str = MCHID) -> tuple[dict[str, str], bytes]:
    txn = {"mchid": mchid, "appid": "wxd678efh567hg6787", "out_trade_no": trade, "transaction_id": "4200000001",
           "trade_type": "JSAPI", "trade_state": "SUCCESS", "amount": {"total": total, "payer_total": total,
                                                                        "currency": "CNY"}}
    nonce = base64.b64encode(os.urandom(9)).decode()[:12]
    ct = AESGCM(key.encode()).encrypt(nonce.encode(), json.dumps(txn).encode(), b"transaction")
    body = json.dumps({"id": "EV-" + nonce, "create_time": "2026-12-07T18:00:00+08:00",
                       "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
                       "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                                    "ciphertext": base64.b64encode(ct).decode(), "associated_data": "transaction",
                                    "nonce": nonce}}).encode()
    ts, hnonce = str(now_ms // 1000), "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
    sig = platform.sign(f"{ts}\n{hnonce}\n".encode() + body + b"\n", padding.PKCS1v15(), hashes.SHA256())
    return {"Wechatpay-Timestamp": ts, "Wechatpay-Nonce": hnonce, "Wechatpay-Serial": "5157F09EFDC096DE15EBE81A47057A72",
            "Wechatpay-Signature": base64.b64encode(sig).decode()}, body


def test_wechatpay_v3_notifications_are_verified_and_decrypted() -> None:
    platform = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    wx = WeChatPayProvider(MCHID, APIV3, platform.public_key(), "5157F09EFDC096DE15EBE81A47057A72")
    now = 1_796_000_000_000
    notice = wx.verify(*wechat_notification(platform, "01ORDER-01", FEN, now), now)
    assert (notice.trade_no, notice.provider_txn, notice.amount_fen, notice.success) == \
        ("01ORDER-01", "4200000001", FEN, True)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bad = {
        "forged": wechat_notification(other, "01ORDER-01", FEN, now),
        "wrong APIv3 key": wechat_notification(platform, "01ORDER-01", FEN, now, key="f" * 32),
        "other merchant": wechat_notification(platform, "01ORDER-01", FEN, now, mchid="1900000999"),
        "stale": wechat_notification(platform, "01ORDER-01", FEN, now - 6 * 60_000),
    }
    h, b = wechat_notification(platform, "01ORDER-01", FEN, now)
    bad["altered"] = (h, b.replace(b"TRANSACTION.SUCCESS", b"TRANSACTION.SUCCESX"))
    bad["unknown serial"] = ({**h, "Wechatpay-Serial": "00"}, b)
    reasons = {}
    for name, (hh, bb) in bad.items():
        with pytest.raises(NotificationRefused) as exc:
            wx.verify(hh, bb, now)
        reasons[name] = exc.value.reason
    assert reasons == {"forged": "bad signature", "wrong APIv3 key": "resource does not decrypt with the APIv3 key",
                       "other merchant": "notification for another merchant", "stale": "stale timestamp",
                       "altered": "bad signature", "unknown serial": "unknown platform certificate serial"}


# -- over HTTP ------------------------------------------------------------------------------------------------
def test_the_webhook_and_the_sandbox_pay_page_over_http(tmp_path: Path) -> None:
    from hub.home import init_hub

    home = init_hub(tmp_path / "hub")
    world = World(home.db_path())
    order = awaiting_payment(world)
    hub = make_hub(home.dir, connect=False)
    hub.start()
    try:
        trade = str(start_payment(world, order)["trade_no"])
        url = str(world.last("c-1", "customer.payment_created")["pay_url"])
        assert url.startswith(hub.plugins["payments"].url)
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        assert "Sandbox Pay" in page and trade in page
        forged = SandboxPayProvider(Ed25519PrivateKey.generate().public_key(),
                                    signing_key=Ed25519PrivateKey.generate()).notification(trade, FEN, 0)
        status = hub.plugins["payments"].post_notification("sandbox", *forged)
        assert status == 401 and world.state(order) == "awaiting_payment"
        req = urllib.request.Request(url, data=b"", method="POST")
        assert "Paid" in urllib.request.urlopen(req, timeout=10).read().decode()
        assert world.state(order) == "formed"
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(urllib.request.Request(hub.plugins["payments"].url + "/pay/notify/sandbox",
                                                          data=b"x" * 70_000, method="POST"), timeout=10)
        assert exc.value.code == 413
    finally:
        hub.stop()
        world.conn.close()
        PAY_PROVIDERS.pop("sandbox", None)
