"""The whole job through the Python API (as the kit service and the demo run it) against the emulators:
the real fingerprint driver over a pty, the NMEA reader over a pty, the camera's segmented recorder."""

from __future__ import annotations

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
