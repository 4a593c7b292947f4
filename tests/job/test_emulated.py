"""The whole job through the Python API (as the kit service and the demo run it) against the emulators:
the real fingerprint driver over a pty, the NMEA reader over a pty, the camera's segmented recorder."""

from __future__ import annotations

import time

import msgspec

from edge.app import make_kit
from edge.job.kitdir import hardware_config, make_job_flow
from edge.job.steps import Step
from edge.job.walkthrough import Cue, walk_job
from protocol.evidence import verify_manifest
from tests.job.conftest import CODE, ORDER_ID, order_body
from tests.job.rig import CUSTOMER_FINGER, LOCKSMITH_FINGER, KitRig, wait_for_segments


def test_whole_job_via_the_api_with_in_process_video(rig: KitRig) -> None:
    app = make_kit(rig.dir, connect=False)
    flow = make_job_flow(app.store, rig.dir, hardware_config(app.settings.hardware))
    try:
        handlers = flow.downlink_handlers()
        from protocol.messages.job import JobOrder

        body = msgspec.convert({k: v for k, v in order_body().items()
                                if k in JobOrder.__struct_fields__}, JobOrder)
        handlers["job.order"](None, body)  # as the sync engine delivers it
        assert flow.job(ORDER_ID).step == Step.ASSIGNED

        def cue(c: Cue) -> None:
            if c is Cue.LOCKSMITH_FINGER:
                rig.fp.place_finger(LOCKSMITH_FINGER)
            elif c is Cue.CUSTOMER_FINGER:
                rig.fp.place_finger(CUSTOMER_FINGER)
            elif c is Cue.VIDEO_RUNNING:
                wait_for_segments(rig, 1)

        manifest = walk_job(flow, ORDER_ID, CODE, 18000, cue=cue)
        verify_manifest(manifest, app.store.identity.key.private.public_key())
        assert manifest.outcome == "completed" and manifest.video
        view = flow.job(ORDER_ID)
        assert view.step == Step.SEALED and view.info["fee_fen"] == 18000
        assert view.info["distance_m"] is not None and view.info["distance_m"] < 60  # emulator ~33 m off
        kinds = {f.kind for f in app.store.files_for_order(ORDER_ID)}
        assert {"photo.customer", "photo.id_card", "fingerprint.customer", "photo.lock_before",
                "photo.lock_after", "video.segment", "form.police_copy"} <= kinds
        seg = next(f for f in app.store.files_for_order(ORDER_ID) if f.kind == "video.segment")
        assert seg.size > 0
    finally:
        flow.close()
        app.store.close()


def test_demo_style_kit_with_in_process_emulator_backends(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Backend "emulator" for the sensor and the GNSS receiver (the hardware factory starts them in-process),
    the camera pattern: how `make demo` can run a whole job on one machine."""
    from typing import cast

    from edge.hardware.fingerprint.driver import EnrollStep
    from edge.job.hardware import GnssPosition, SensorFingerprint
    from hub.home import init_hub
    from hub.provisioning import provision_kit
    from tests.job.conftest import SITE

    kit_dir = tmp_path / "kit"
    provision_kit(init_hub(tmp_path / "hub"), "kit-0009", kit_dir)
    with open(kit_dir / "kit.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[hardware.fingerprint]\nbackend = "emulator"\nfinger_wait_polls = 20\npoll_interval_s = 0.01\n'
                 f'\n[hardware.gnss]\nbackend = "emulator"\nemulator_lat = {SITE[0]}\nemulator_lon = {SITE[1]}\n'
                 'emulator_interval_s = 0.1\n'
                 '\n[hardware.camera]\nbackend = "pattern"\nwidth = 320\nheight = 240\nfps = 20.0\n'
                 'segment_seconds = 0.25\n')
    (kit_dir / "job.toml").write_text('[job]\nstart_requires_upload = false\n\n[[locksmiths]]\nlocksmith_id = "ls-0001"\nname = "李建国"\n'
                                      'work_no = "BJ-KS-0001"\nfingerprint_slots = [0]\n', encoding="utf-8")
    app = make_kit(kit_dir, connect=False)
    flow = make_job_flow(app.store, kit_dir, hardware_config(app.settings.hardware))
    try:
        fp = cast(SensorFingerprint, flow.devices.fingerprint)
        emu = fp.emulator

        def prompt(step: EnrollStep) -> None:
            emu.remove_finger() if step is EnrollStep.REMOVE else emu.place_finger(LOCKSMITH_FINGER)

        fp.sensor().enroll(0, prompt)  # at registration, on this kit's sensor
        assert cast(GnssPosition, flow.devices.position).emulator is not None
        flow.on_order_assigned(order_body())

        def cue(c: Cue) -> None:
            emu.place_finger(CUSTOMER_FINGER if c is Cue.CUSTOMER_FINGER else LOCKSMITH_FINGER)
            if c is Cue.VIDEO_RUNNING:
                for _ in range(400):
                    if any(f.kind == "video.segment" for f in app.store.files_for_order(ORDER_ID)):
                        break
                    time.sleep(0.05)

        manifest = walk_job(flow, ORDER_ID, CODE, 12000, cue=cue)
        assert manifest.outcome == "completed" and manifest.video
        assert flow.job(ORDER_ID).info["distance_m"] < 5
    finally:
        flow.close()
        app.store.close()
