"""Fingers enrolled on the kit become the locksmith's fingerprints at the hub, over a real Mosquitto: the
kit's signed `locksmith.fingerprint_enrolled` record is applied when it arrives from the kit linked to
that locksmith, and refused (stored as evidence, told to the operators) when a kit claims someone else."""

from __future__ import annotations

import serial

from edge.app import make_kit
from edge.enroll import RECORD_KIND, FingerSlot, enroll_fingers
from edge.hardware.config import FingerprintConfig
from edge.hardware.fingerprint.driver import FingerprintSensor
from hub.service import make_hub, wait_until
from protocol.clock import FakeClock, SystemClock
from tests.hub.world import World
from tests.job.rig import emulated_kit

KIT = "kit-7"  # World links locksmith serial 7 to the kit of that name


def test_kit_enrolment_links_the_fingers_at_the_hub(deployment) -> None:  # type: ignore[no-untyped-def]
    kit_dir = deployment.add_kit(KIT)
    world = World(deployment.home.db_path(), FakeClock(SystemClock().now_ms()))
    try:
        lid = world.locksmith(serial=7)
        other = world.locksmith(serial=8)
    finally:
        world.conn.close()
    with emulated_kit(kit_dir, deployment.home, locksmith_id=lid) as rig:
        store = rig.store()
        sensor = FingerprintSensor(serial.Serial(rig.fp.path, 57600, timeout=1),
                                   FingerprintConfig(finger_wait_polls=3, poll_interval_s=0.0), sleep=lambda s: None)
        # slot 0 was enrolled when the rig set the kit up: kept on the sensor, its template stored now
        [done] = enroll_fingers(sensor, store, lid, [FingerSlot("right_index", 0)], prompt=lambda f, s: None)
        # a kit claiming a finger for a locksmith it does not carry
        store.add_record(RECORD_KIND, {"kit_id": KIT, "locksmith_id": other, "finger": "left_thumb", "slot": 5,
                                       "template_sha256": done.template_sha256})
        store.close()
    hub = make_hub(deployment.home.dir)
    kit = make_kit(kit_dir)
    hub.start()
    kit.start()
    try:
        assert wait_until(lambda: kit.store.backlog() == (0, 0), 60), kit.sync.status()
        with hub._lock:
            fps = hub.conn.execute("SELECT locksmith_id, finger, template_sha256, kit_id, actor FROM "
                                   "locksmith_fingerprints WHERE actor LIKE 'kit:%' OR finger='left_thumb'").fetchall()
            refused = hub.conn.execute("SELECT body_json FROM domain_outbox WHERE type='ops.event' AND "
                                       "body_json LIKE '%kit_record_refused%'").fetchall()
        assert [tuple(r) for r in fps] == [(lid, "right_index", done.template_sha256, KIT, f"kit:{KIT}")]
        assert len(refused) == 1 and RECORD_KIND in refused[0][0]
    finally:
        kit.stop()
        hub.stop()
