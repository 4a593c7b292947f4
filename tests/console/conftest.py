"""A real hub over a real Mosquitto with one operator, a filed unit and locksmith, and the operator's
OpsClient the console runs on."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub.broker.config import new_password
from hub.db import open_hub_db
from hub.ops import handle
from hub.provisioning import provision_principal
from hub.service import HubApp, make_hub, wait_until
from lockwarden.clients.operator import OperatorSettings, OpsClient, open_ops_client
from lockwarden.demo.city import SITE, credit_code, request_body, resident_id
from lockwarden.demo.photos import document_photo, request_photos
from protocol.clock import SystemClock
from protocol.i18n import set_language
from protocol.keys import SigningKey
from protocol.settings import load_settings
from protocol.transport.paho_mqtt import LinkSettings


@dataclass
class ConsoleHub:
    """`client` is the console's; the test's own requests go through `admin`, a second connection of the
    same operator, because one OpsClient shared by two threads can take the other's answer off its inbox.
    The broker allows one connection per account (the username is the client id), so `admin` signs as the
    operator but logs in with a second broker account holding the same topics (`second_seat`)."""

    hub: HubApp
    client: OpsClient
    admin: OpsClient
    unit_id: str = ""
    locksmith_id: str = ""

    def call(self, op: str, args: dict[str, Any]) -> Any:
        resp = self.admin.call(op, args)
        assert resp["ok"], resp
        return resp["result"]

    def request(self, n: int, rule: str = "eta") -> dict[str, Any]:
        """A hotline request body whose ID photos the operator has just sent to the hub."""
        for photo in request_photos(n).values():
            self.admin.upload(photo, kind="identity")
        return request_body(n, rule)


@pytest.fixture
def english() -> Iterator[None]:
    set_language("en")
    try:
        yield
    finally:
        set_language()


@pytest.fixture
def console_hub(deployment, tmp_path: Path, english: None) -> Iterator[ConsoleHub]:  # type: ignore[no-untyped-def]
    home = deployment.home
    provision_principal(home, "op-zhou", "operator", tmp_path / "op-zhou")
    seat = second_seat(deployment, "op-zhou")
    deployment.broker.reload()
    conn = open_hub_db(home.dir / "hub.db")
    boot = handle(conn, SystemClock(), "operator:op-zhou", "operator.add", {"id": "op-zhou", "name": "周"},
                  txn="boot-op-zhou", bootstrap=True)
    conn.close()
    assert boot["ok"], boot
    hub = make_hub(home.dir)
    hub.start()
    assert wait_until(lambda: hub.transport is not None and hub.transport.connected, 20)
    clients: list[OpsClient] = []
    try:
        clients.append(_connect(tmp_path / "op-zhou" / "operator.toml"))
        clients.append(_connect(tmp_path / "op-zhou" / "operator.toml", seat))
        ch = ConsoleHub(hub, clients[0], clients[1])
        unit = ch.call("unit.file", {"name": "安心开锁服务有限公司", "address": "北京市东城区东直门内大街5号",
                                     "uscc": credit_code(1), "legal_rep_name": "钱志远",
                                     "legal_rep_id": resident_id(901), "filing_receipt_no": "京公特备字2026-0117"})
        ch.unit_id = unit["id"]
        photo = ch.admin.upload(document_photo("locksmith filing"), kind="registry")
        ls = ch.call("locksmith.file", {
            "name": "王建国", "gender": "male", "ethnicity": "汉", "resident_id": resident_id(101),
            "id_image_sha256": photo, "cert_no": "KS-2026001", "cert_image_sha256": photo, "grade": "senior",
            "photo_sha256": photo, "mobile": "13910000001", "unit_id": ch.unit_id,
            "area": {"lat": SITE[0], "lon": SITE[1], "radius_km": 15.0}, "scope": {"B": ["open"]},
            "filing_receipt_no": "京公锁备-0001"})
        ch.locksmith_id = ls["id"]
        ch.call("locksmith.link_kit", {"locksmith_id": ch.locksmith_id, "kit_id": "kit-a"})
        yield ch
    finally:
        for c in clients:
            c.stop()
        hub.stop()


def second_seat(deployment, operator_id: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A second broker account with the operator's topics (test-only: the hub checks the signed sender)."""
    user, password = f"{operator_id}-seat2", new_password()
    files = deployment.broker.files
    files.set_password(user, password)
    files.add_acl_block(user, f"user {user}\ntopic write lw/v1/ops/{operator_id}/req\n"
                              f"topic write lw/v1/ops/{operator_id}/media\ntopic read lw/v1/ops/{operator_id}/resp\n"
                              "topic read lw/v1/ops/events\ntopic read lw/v1/hub/state")
    return user, password


def _open(config: Path, seat: tuple[str, str] | None) -> OpsClient:
    if seat is None:
        return open_ops_client(config)
    s = load_settings(config, OperatorSettings)
    key = SigningKey.from_b64((config.parent / s.key_file).read_text())
    link = LinkSettings(host=s.host, port=s.port, client_id=seat[0], username=seat[0], password=seat[1])
    client = OpsClient(s.operator_id, key, s.hub_verify_key, link, hub_id=s.hub_id)
    client.start()
    return client


def _connect(config: Path, seat: tuple[str, str] | None = None) -> OpsClient:
    # Mosquitto rereads its password file on SIGHUP: retry the first connection for a bounded while.
    for _attempt in range(40):
        try:
            return _open(config, seat)
        except TimeoutError:
            time.sleep(0.25)
    return _open(config, seat)
