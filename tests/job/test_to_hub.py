"""End to end over a real Mosquitto: the hub forms a real order (request, offer, accept, customer
decision, payment); its `job.order` body and the customer's service code drive the job on the kit's
command line against emulated hardware; the kit syncs; the hub's order machine follows the kit's step
records to completion, and the hub-side check finds the sealed bundle complete."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from edge.app import make_kit
from hub.evidence import check_bundle
from hub.evidence.ingest_lookup import IngestLookup
from hub.service import make_hub, wait_until
from protocol.clock import FakeClock, SystemClock
from protocol.evidence import EvidenceManifest
from protocol.keys import SigningKey
from protocol.regform import form_from_data
from tests.hub.world import World
from tests.job.rig import CUSTOMER_FINGER, LOCKSMITH_FINGER, KitRig, emulated_kit, wait_for_segments

KIT = "kit-7"  # World links locksmith serial 7 to the kit of that name


def _formed_order(world: World) -> tuple[str, str, dict[str, object], str]:
    """-> (locksmith id, order id, the kit's job.order body, the customer's service code)."""
    lid = world.locksmith(serial=7)
    order_id = world.request("c-1")
    offer = world.offers_to(lid)[-1]
    assert world.kit(KIT, "job.accept", {"offer_id": offer["offer_id"]})["ok"]
    world.customer("c-1", "customer.decision", {"order_id": order_id, "accept": True})
    world.ops("order.pay", {"order_id": order_id, "amount_fen": 25_000, "provider": "manual",
                            "external_ref": "R-1"})
    assert world.state(order_id) == "formed"
    # This kit works offline on site (job.toml start_requires_upload = false, tests/job/rig.py): the hub's
    # operator lets such starts through; by default the hub refuses a start before the captures arrived.
    assert world.ops("settings.set", {"key": "start_requires_upload", "value": "0"})["ok"]
    body = world.inbox("kit", KIT, "job.order")[-1]
    code = str(world.last("c-1", "customer.order_success")["service_code"])
    return lid, order_id, body, code


@pytest.mark.parametrize("deployment", ["sqlite", "postgresql"], indirect=True)
def test_job_on_the_kit_completes_the_order_at_the_hub(deployment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kit_dir = deployment.add_kit(KIT)
    world = World(deployment.home.database(), FakeClock(SystemClock().now_ms()))
    try:
        lid, order_id, body, code = _formed_order(world)
    finally:
        world.conn.close()
    with emulated_kit(kit_dir, deployment.home, locksmith_id=lid) as rig:
        _register_finger(rig, lid)
        _walk_on_the_command_line(rig, tmp_path, body, code)

    hub = make_hub(deployment.home.dir)
    kit = make_kit(kit_dir)
    hub.start()
    kit.start()
    try:
        assert wait_until(lambda: kit.store.backlog() == (0, 0), 90), kit.sync.status()
        state = hub.conn.execute("SELECT state FROM orders WHERE id=?", (order_id,)).fetchone()[0]
        assert state == "awaiting_documents"  # arrived, verified, in progress, done, fee received
        proven = hub.conn.execute("SELECT locksmith_finger FROM job_verifications WHERE order_id=?",
                                  (order_id,)).fetchone()
        assert proven[0] == "right_middle"  # the template the kit matched is the one it enrolled
        row = hub.conn.execute("SELECT body FROM kit_records WHERE kind='job.evidence_bundle' AND order_id=?",
                               (order_id,)).fetchone()
        manifest = msgspec.convert(json.loads(row[0])["data"]["manifest"], EvidenceManifest)
        kit_key = SigningKey.from_b64((kit_dir / "keys" / "kit_signing.key").read_text()).private.public_key()
        result = check_bundle(manifest, kit_key=kit_key, lookup=IngestLookup(hub.conn), sender=KIT,
                              order_id=order_id)
        assert result.status == "complete", result
        feed = [r[0] for r in hub.conn.execute("SELECT kind FROM police_feed WHERE entity_id=? ORDER BY seq",
                                                (order_id,))]
        # What the police receive about it, in order (on either database backend).
        assert {"order.requested", "order.formed", "order.verified", "order.completed", "evidence.bundle"} <= set(feed)
        assert feed.index("order.formed") < feed.index("order.verified") < feed.index("order.completed")
        form_row = hub.conn.execute("SELECT body FROM kit_records WHERE kind='job.registration_form'").fetchone()
        form = form_from_data(json.loads(form_row[0])["data"]["form"])
        assert form.order_id == order_id and form.masked and form.fee_fen == 15000
        assert form.customer.name == "张三" and form.voucher is not None
        # A part altered at the hub after the fact no longer matches the kit's signed manifest.
        hub.conn.execute("UPDATE kit_records SET wire_sha256='x' WHERE id=?", (manifest.records[2].id,))
        assert check_bundle(manifest, kit_key=kit_key, lookup=IngestLookup(hub.conn)).status == "mismatch"
    finally:
        kit.stop()
        hub.stop()


def _register_finger(rig: KitRig, lid: str) -> None:
    """The finger the rig put at slot 0, registered as `lockwarden kit enroll` does: its template sealed in
    the kit store and a signed `locksmith.fingerprint_enrolled` record, which the hub applies when it syncs
    (before the job's records: they travel in order). The hub then knows the template the kit will match."""
    import serial

    from edge.enroll import FingerSlot, enroll_fingers
    from edge.hardware.config import FingerprintConfig
    from edge.hardware.fingerprint.driver import FingerprintSensor

    sensor = FingerprintSensor(serial.Serial(rig.fp.path, 57600, timeout=1),
                               FingerprintConfig(finger_wait_polls=3, poll_interval_s=0.0), sleep=lambda s: None)
    store = rig.store()
    try:
        [done] = enroll_fingers(sensor, store, lid, [FingerSlot("right_middle", 0)], prompt=lambda f, s: None)
        assert done.outcome == "kept_uploaded"
    finally:
        sensor.close()
        store.close()


def _walk_on_the_command_line(rig: KitRig, tmp_path: Path, body: dict[str, object], code: str) -> None:
    order = tmp_path / "order.json"
    order.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    rig.fp.place_finger(LOCKSMITH_FINGER)
    for args in [("receive", str(order)), ("login",), ("arrive", "--code", code), ("verify",), ("consent", "--yes")]:
        assert rig.run(*args) == 0, args
    rig.fp.place_finger(CUSTOMER_FINGER)
    assert rig.run("capture-customer", "--confirm-id") == 0
    assert rig.run("video-start") == 0
    try:
        wait_for_segments(rig, 1, str(body["order_id"]))
        for args in [("photo-before",), ("opened",), ("photo-after",)]:
            assert rig.run(*args) == 0, args
    finally:
        assert rig.run("video-stop") == 0
    for args in [("complete", "--fee-fen", "15000", "--payment-received"), ("form",), ("seal",)]:
        assert rig.run(*args) == 0, args
