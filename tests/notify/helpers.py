"""A hotline order formed in a simulated city with the code vault key installed, and a sender around it."""

from __future__ import annotations

from typing import Any

import msgspec

from hub.db import connect
from hub.notify import code, store
from hub.notify.gateway import SmsGateway
from hub.notify.sender import NotifySender
from hub.notify.settings import NotifySettings
from protocol.keys import SealingKey
from protocol.messages.customer import UnlockRequest, Witness
from protocol.sealed import open_sealed
from tests.hub.world import SHA, SITE, World, resident_id

MOBILE = "13912345678"


def hotline_request(mobile: str = MOBILE) -> dict[str, Any]:
    return msgspec.to_builtins(UnlockRequest(
        customer_name="王大妈", customer_mobile=mobile, customer_id_number=resident_id(601, "19600101"),
        customer_id_image_sha256=SHA, witness=Witness("李四", resident_id(602, "19850101"), SHA),
        site_address="北京市东城区东长安街1号", site_lat=SITE[0], site_lon=SITE[1], category="open", lock_class="B",
        rule="eta"))


def with_vault(world: World) -> SealingKey:
    key = SealingKey.generate()
    code.install_key(world.conn, key.public_b64())
    return key


def formed_hotline_order(world: World, mobile: str = MOBILE) -> tuple[str, str]:
    """-> (order id, locksmith id) of a hotline order the operator keyed in, accepted and paid at the counter."""
    lid = world.locksmith()
    order_id = world.ops("order.create", {"customer_id": f"tel-{mobile}", "request": hotline_request(mobile)})[
        "result"]["order_id"]
    offer = world.offers_to(lid)[-1]
    assert world.kit(world.kits[lid], "job.accept", {"offer_id": offer["offer_id"]})["ok"]
    assert world.ops("order.decide", {"order_id": order_id, "accept": True})["ok"]
    paid = world.ops("order.pay", {"order_id": order_id, "amount_fen": 25_000, "external_ref": f"CNT-{mobile}"})
    assert paid["ok"], paid
    return order_id, lid


def sender(world: World, key: SealingKey, gateway: SmsGateway | None = None,
           settings: NotifySettings | None = None) -> NotifySender:
    from hub.notify.sandbox import SandboxSms

    conn = connect(world.path)
    gw = gateway or SandboxSms(lambda to, text, tpl, ref: store.sandbox_deliver(conn, world.clock, to, text, tpl, ref))
    return NotifySender(conn, world.clock, gw, settings or NotifySettings(),
                        lambda blob, aad: open_sealed(blob, key.private, aad))


def events(world: World, kind: str) -> list[dict[str, Any]]:
    return [b for b in world.inbox("operator", "*", "ops.event") if b.get("kind") == kind]
