"""A reboot in the middle of a job resumes where it stopped, losing nothing that reached the disk."""

from __future__ import annotations

from edge.job.steps import RECORD_KIND, Step
from protocol.evidence import verify_manifest
from tests.job.conftest import ORDER_ID, Kit
from tests.job.walk import walk


def test_reboot_mid_video_resumes_and_keeps_every_segment(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.LOCK_BEFORE)
    work = kit.dir / "video-work" / ORDER_ID
    # The recorder keeps its own bookkeeping (.video/) beside the segments: count the segment files.
    open_segment = sorted(p for p in work.iterdir() if p.is_file())
    assert len(open_segment) == 1  # the segment being written when the power went
    stored_before = [f.file_id for f in kit.store.files_for_order(ORDER_ID) if f.kind == "video.segment"]

    kit2 = kit.reopen()  # no stop_video: the recorder died with the power
    assert kit2.flow.job().step == Step.LOCK_BEFORE
    assert kit2.flow.resume() == [ORDER_ID]
    assert kit2.cam.is_recording()
    segs = [f for f in kit2.store.files_for_order(ORDER_ID) if f.kind == "video.segment"]
    assert [f.file_id for f in segs[: len(stored_before)]] == stored_before
    assert len(segs) == len(stored_before) + 1  # the open one, adopted as recovered
    assert kit2.store.records_for_order(ORDER_ID)[-1].kind == "job.video_resumed"

    assert kit2.flow.resume() == []  # already recording: nothing to do twice
    kit2.flow.mark_opened()
    kit2.cam.rotate()
    kit2.flow.photo_after()
    kit2.flow.stop_video()
    kit2.flow.complete(20000, True)
    kit2.flow.make_form()
    manifest = kit2.flow.seal()
    verify_manifest(manifest, kit.identity.key.private.public_key())
    video = [f.file_id for f in kit2.store.files_for_order(ORDER_ID) if f.kind == "video.segment"]
    assert manifest.video == video and len(video) == len(stored_before) + 3


def test_crash_between_record_and_state_is_reconciled(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.LOCK_BEFORE)
    # The record of the next step committed, then the power went before job.db moved.
    kit.store.add_record(RECORD_KIND[Step.OPENED], {"step": "opened", "note": ""}, order_id=ORDER_ID)
    assert kit.flow.job().step == Step.LOCK_BEFORE
    kit2 = kit.reopen()
    assert kit2.flow.job().step == Step.OPENED
    kit2.flow.resume()
    kit2.flow.photo_after()  # and the job carries on from there
    assert kit2.flow.job().step == Step.LOCK_AFTER


def test_session_and_job_survive_a_reboot_before_arrival(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.LOGGED_IN)
    kit2 = kit.reopen()
    session = kit2.flow.session()
    assert session is not None and session.locksmith_id == "ls-0001"
    assert kit2.flow.job().step == Step.LOGGED_IN
    assert kit2.flow.resume() == []
