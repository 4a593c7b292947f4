"""A hotline caller's job, end to end over a real Mosquitto with the sandbox SMS provider (R-6).

The operator keys the request in, records the caller's decision and the counter payment over MQTT; the hub
forms the order, and its notification sender hands the caller's SMS (locksmith identity and service code) to
the sandbox provider. The code read from that SMS drives the kit on site (`arrive --code`, then the R-8
verification the hub checks again), and the order completes. The form-to-SMS time is recorded; the operator
re-sends the code (audited), and the code itself never reaches an operator's answer or a log line."""

from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest

import tests.job.conftest  # noqa: F401  (before rig: the rig module and the job conftest import each other)
from edge.app import make_kit
from hub.notify import store
from hub.ops import handle
from hub.provisioning import provision_principal
from hub.service import make_hub, wait_until
from lockwarden.clients.operator import open_ops_client
from protocol.clock import FakeClock, SystemClock
from protocol.ids import new_id
from protocol.messages.customer import UnlockRequest, Witness
from protocol.transport.base import NotConnected
from tests.hub.world import SHA, SITE, World, resident_id
from tests.job.rig import emulated_kit
from tests.job.test_to_hub import _register_finger, _walk_on_the_command_line

KIT = "kit-7"
MOBILE = "13912345678"
CALLER = f"tel-{MOBILE}"


def _request() -> dict[str, object]:
    return msgspec.to_builtins(UnlockRequest(
        customer_name="王大妈", customer_mobile=MOBILE, customer_id_number=resident_id(601, "19600101"),
        customer_id_image_sha256=SHA, witness=Witness("李四", resident_id(602, "19850101"), SHA),
        site_address="北京市东城区东长安街1号", site_lat=SITE[0], site_lon=SITE[1], category="open", lock_class="B",
        rule="eta"))


def _call(ops: Any, op: str, args: dict[str, Any]) -> dict[str, Any]:
    """The broker rereads its password file on SIGHUP a moment after `reload()` and may drop the operator's
    fresh connection once; the client reconnects by itself and the request is retried under the same
    transaction id, so it is never applied twice."""
    deadline = time.monotonic() + 30
    txn = new_id(SystemClock().now_ms())
    while True:
        try:
            return dict(ops.call(op, args, txn=txn))
        except NotConnected:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_hotline_caller_gets_the_code_by_sms_and_the_job_completes(deployment, tmp_path: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    home = deployment.home
    kit_dir = deployment.add_kit(KIT)
    provision_principal(home, "op-li", "operator", tmp_path / "op-li")
    deployment.broker.reload()
    world = World(home.db_path(), FakeClock(SystemClock().now_ms()))
    lid = world.locksmith(serial=7)
    handle(world.conn, world.clock, "operator:op1", "operator.add", {"id": "op-li", "name": "Li"}, txn="add-li")
    hub = make_hub(home.dir)
    hub.start()
    ops = open_ops_client(tmp_path / "op-li" / "operator.toml")
    ops.start()
    try:
        assert wait_until(lambda: hub.transport is not None and hub.transport.connected, 20)
        created = _call(ops, "order.create", {"customer_id": CALLER, "request": _request()})
        assert created["ok"], created
        order_id = created["result"]["order_id"]
        offer = world.offers_to(lid)[-1]
        assert world.kit(KIT, "job.accept", {"offer_id": offer["offer_id"]})["ok"]  # the locksmith accepts
        assert _call(ops, "order.decide", {"order_id": order_id, "accept": True})["ok"]  # the caller, by phone
        paid = _call(ops, "order.pay", {"order_id": order_id, "amount_fen": 25_000, "external_ref": "CNT-0001"})
        assert paid["ok"] and paid["result"]["state"] == "formed", paid

        # The caller's phone (the sandbox provider's inbox) gets the locksmith and the code.
        assert wait_until(lambda: len(store.sandbox_inbox(world.conn, MOBILE)) == 1, 30)
        [sms] = store.sandbox_inbox(world.conn, MOBILE)
        assert "锁匠7" in sms["text"] and "安心开锁1" in sms["text"]
        code = re.findall(r"\b(\d{6})\b", sms["text"])[0]

        # Operators see that it went, when, and the provider's answer; never the code.
        listed = _call(ops, "notify.list", {"order_id": order_id})
        assert listed["ok"], listed
        [row] = listed["result"]
        assert row["state"] == "sent" and row["provider"] == "sandbox" and row["answer"] == "OK"
        assert row["to"] == "139****5678" and row["purpose"] == "service_code"
        form_to_sms_ms = row["form_to_handoff_ms"]
        assert form_to_sms_ms is not None and form_to_sms_ms >= 0
        print(f"\nform-to-SMS hand-off: {form_to_sms_ms} ms")  # the figure the issue asks for (-s shows it)
        shown = _call(ops, "order.show", {"order_id": order_id})
        assert code not in json.dumps(listed) and code not in json.dumps(shown)

        # The operator re-sends it: the same code (the kit holds its hash), recorded with the operator.
        again = _call(ops, "order.resend_code", {"order_id": order_id, "reason": "caller deleted the SMS"})
        assert again["ok"] and again["result"]["to"] == "139****5678", again
        assert code not in json.dumps(again)
        assert wait_until(lambda: len(store.sandbox_inbox(world.conn, MOBILE)) == 2, 30)
        assert re.findall(r"\b(\d{6})\b", store.sandbox_inbox(world.conn, MOBILE)[1]["text"])[0] == code
        resent = [r for r in _call(ops, "notify.list", {"order_id": order_id})["result"] if r["purpose"] == "code_resend"]
        assert resent[0]["actor"] == "operator:op-li" and resent[0]["state"] == "sent"
        audit = world.conn.execute("SELECT actor FROM ops_requests WHERE op = 'order.resend_code'").fetchall()
        assert [a[0] for a in audit] == ["operator:op-li"]

        # On site: the kit takes the code from the caller, the hub checks it again, the job completes.
        body = world.inbox("kit", KIT, "job.order")[-1]
        # The test kit works offline on site (tests/job/rig.py), as in tests/job/test_to_hub.py.
        assert world.ops("settings.set", {"key": "start_requires_upload", "value": "0"})["ok"]
        with emulated_kit(kit_dir, home, locksmith_id=lid) as rig:
            _register_finger(rig, lid)
            _walk_on_the_command_line(rig, tmp_path, body, code)
        kit = make_kit(kit_dir)
        kit.start()
        try:
            assert wait_until(lambda: world.state(order_id) == "awaiting_documents", 90), world.state(order_id)
        finally:
            kit.stop()
        assert code not in caplog.text  # nothing logged the code, on the hub or the kit
    finally:
        ops.stop()
        hub.stop()
        world.conn.close()
