"""The SMS outbox and its gateways: the Aliyun adapter against a stand-in that checks requests as Aliyun
documents them; retries with backoff on the injected clock; give-up and late-code (R-6) alerts; settings."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from hub.notify import store
from hub.notify.aliyun import AliyunSms
from hub.notify.settings import AliyunSmsSettings, NotifySettings
from hub.notify.templates import TEMPLATES
from hub.settings import HubSettings
from protocol.settings import SettingsError, load_settings
from tests.hub.world import World
from tests.notify.aliyun_standin import StandIn
from tests.notify.helpers import MOBILE, events, formed_hotline_order, sender, with_vault

CODES = {"service_code": "SMS_465000001", "followup": "SMS_465000002", "login_code": "SMS_465000003",
         "arrival_late": "SMS_465000004"}


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path / "hub.db")


@pytest.fixture
def standin(world: World):  # type: ignore[no-untyped-def]
    s = StandIn(world.clock, keys={"LTAI5tTestKeyId": "testSecret/with+chars="}, sign_names={"安心开锁"},
                templates={CODES[name]: set(t.variables) for name, t in TEMPLATES.items()}).start()
    yield s
    s.stop()


def _aliyun(standin: StandIn, world: World, secret: str = "testSecret/with+chars=") -> AliyunSms:
    return AliyunSms(AliyunSmsSettings(access_key_id="LTAI5tTestKeyId", access_key_secret=secret, sign_name="安心开锁",
                                       templates=CODES, endpoint=standin.url, timeout_s=5), world.clock)


def test_service_code_reaches_aliyun_signed_with_the_template_and_its_variables(world: World,
                                                                                standin: StandIn) -> None:
    key = with_vault(world)
    order_id, _lid = formed_hotline_order(world)
    s = sender(world, key, _aliyun(standin, world))
    assert s.step() == 1
    [req] = standin.received
    assert req["PhoneNumbers"] == MOBILE and req["TemplateCode"] == CODES["service_code"] and req["SignName"] == "安心开锁"
    params = json.loads(req["TemplateParam"])
    assert set(params) == {"locksmith", "grade", "unit", "code"} and params["code"].isdigit() and len(params["code"]) == 6
    [row] = store.listing(world.conn, order_id=order_id)
    assert row["state"] == "sent" and row["provider"] == "aliyun" and row["provider_ref"] == "900001^0"
    assert row["form_to_handoff_ms"] == 0 and params["code"] not in json.dumps(row)  # fake clock: no time passed
    stored = world.conn.execute("SELECT params_json, sealed_params FROM notify_outbox").fetchone()
    assert params["code"] not in stored[0] and params["code"].encode() not in stored[1]  # sealed at rest


def test_a_wrong_secret_is_refused_by_the_provider_and_not_retried(world: World, standin: StandIn) -> None:
    key = with_vault(world)
    order_id, _lid = formed_hotline_order(world)
    s = sender(world, key, _aliyun(standin, world, secret="not-the-secret"))
    s.step()
    assert standin.refused == ["SignatureDoesNotMatch"] and not standin.received
    [row] = store.listing(world.conn, order_id=order_id)
    assert row["state"] == "failed" and row["answer"].startswith("SignatureDoesNotMatch") and row["attempts"] == 1
    assert [e["sms_id"] for e in events(world, "notify.failed")] == [row["id"]]


def test_throttling_is_retried_after_the_backoff_on_the_hub_clock(world: World, standin: StandIn) -> None:
    key = with_vault(world)
    order_id, _lid = formed_hotline_order(world)
    standin.throttle_next = 2
    s = sender(world, key, _aliyun(standin, world), NotifySettings(backoff_s=2, backoff_max_s=60))
    s.step()
    assert store.listing(world.conn, order_id=order_id)[0]["state"] == "pending"
    world.clock.advance(1_999)
    assert s.step() == 0  # not before the backoff
    world.clock.advance(1)
    s.step()  # second throttle: the wait doubles to 4 s
    world.clock.advance(3_999)
    assert s.step() == 0
    world.clock.advance(1)
    s.step()
    [row] = store.listing(world.conn, order_id=order_id)
    assert row["state"] == "sent" and row["attempts"] == 3 and len(standin.received) == 1
    assert standin.refused == ["isv.BUSINESS_LIMIT_CONTROL"] * 2
    attempts = world.conn.execute("SELECT ok, answer FROM notify_attempts ORDER BY n").fetchall()
    assert [a[0] for a in attempts] == [0, 0, 1]


def test_an_unreachable_provider_is_retried_then_given_up_and_a_late_code_alerts_operators(world: World) -> None:
    key = with_vault(world)
    order_id, _lid = formed_hotline_order(world)
    dead = AliyunSms(AliyunSmsSettings(access_key_id="x", access_key_secret="y", sign_name="z", templates=CODES,
                                       endpoint="http://127.0.0.1:9/", timeout_s=1), world.clock)
    s = sender(world, key, dead, NotifySettings(max_attempts=3, backoff_s=10, backoff_max_s=10))
    s.step()
    assert not events(world, "notify.code_late")
    world.clock.advance(10_000)
    s.step()
    world.clock.advance(21_000)  # 31 s after the order formed and the code is still not with the provider
    s.step()
    [late] = events(world, "notify.code_late")
    assert late["order_id"] == order_id and late["elapsed_ms"] == 31_000 and not late["handed"]
    [row] = store.listing(world.conn, order_id=order_id)
    assert row["state"] == "failed" and row["attempts"] == 3 and "PROVIDER_UNREACHABLE" in row["answer"]
    assert len(events(world, "notify.failed")) == 1
    world.clock.advance(60_000)
    s.step()
    assert len(events(world, "notify.code_late")) == 1  # told once


def test_a_sealed_code_copied_to_another_order_does_not_open(world: World) -> None:
    key = with_vault(world)
    order_id, _lid = formed_hotline_order(world)
    other, _l2 = formed_hotline_order(world, mobile="13912340000")
    sealed = world.conn.execute("SELECT sealed FROM order_codes WHERE order_id = ?", (order_id,)).fetchone()[0]
    world.conn.execute("UPDATE notify_outbox SET sealed_params = ? WHERE order_id = ?", (sealed, other))
    s = sender(world, key)
    s.step()
    states = {r["order_id"]: (r["state"], r["answer"]) for r in store.listing(world.conn)}
    assert states[order_id][0] == "sent"
    assert states[other][0] == "failed" and "SEALED_PARAMS_UNREADABLE" in states[other][1]
    assert len(store.sandbox_inbox(world.conn, "13912340000")) == 0


def test_resend_is_refused_once_the_code_is_used_and_for_unknown_orders(world: World) -> None:
    with_vault(world)
    order_id, _lid = formed_hotline_order(world)
    assert world.ops("order.resend_code", {"order_id": order_id})["ok"]
    world.conn.execute("UPDATE orders SET state = 'verified' WHERE id = ?", (order_id,))
    refused = world.ops("order.resend_code", {"order_id": order_id})
    assert not refused["ok"] and refused["code"] == "no_code"
    assert world.ops("order.resend_code", {"order_id": "nope"})["code"] == "not_found"


def test_app_customers_get_the_code_in_the_app_not_by_sms(world: World) -> None:
    with_vault(world)
    lid = world.locksmith()
    order_id = world.request("c-1")
    offer = world.offers_to(lid)[-1]
    world.kit(world.kits[lid], "job.accept", {"offer_id": offer["offer_id"]})
    world.customer("c-1", "customer.decision", {"order_id": order_id, "accept": True})
    world.ops("order.pay", {"order_id": order_id, "amount_fen": 25_000, "external_ref": "CNT-2"})
    assert world.state(order_id) == "formed"
    assert store.listing(world.conn, order_id=order_id) == []
    assert world.conn.execute("SELECT count(*) FROM order_codes WHERE order_id = ?", (order_id,)).fetchone()[0] == 1


def test_notify_settings_are_typed_and_refuse_unknown_keys(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('[notify]\nsms = "aliyun"\n[notify.aliyun]\naccess_key_id = "a"\naccess_key_secret = "b"\n'
                    'sign_name = "c"\ntemplates = {service_code = "SMS_1"}\n')
    assert load_settings(good, HubSettings).notify.aliyun.templates == {"service_code": "SMS_1"}  # type: ignore[union-attr]
    for bad in ('[notify]\nsmss = "sandbox"\n', '[notify]\nsms = "carrier-pigeon"\n', '[notify]\nsms = "aliyun"\n',
                '[notify]\nmax_attempts = 0\n'):
        path = tmp_path / "bad.toml"
        path.write_text(bad)
        with pytest.raises(SettingsError):
            load_settings(path, HubSettings)
    assert msgspec.convert({}, NotifySettings).sms == "sandbox"
