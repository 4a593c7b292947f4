"""The on-site job through the Python API, against the emulators: the real fingerprint driver over the
sensor emulator, the NMEA reader over the GNSS emulator, the camera's pattern source and segment recorder."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from edge.job.steps import RECORD_KIND, TRANSITIONS, Step, StepRefused
from protocol.envelope import decode, verify
from protocol.evidence import verify_manifest
from protocol.i18n import set_language
from tests.job.conftest import (
    CODE,
    LOCKSMITH_FINGER,
    ORDER_ID,
    OTHER_LOCKSMITH_FINGER,
    PIN,
    SITE,
    Kit,
    order_body,
)
from tests.job.walk import walk


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")


def _records(kit: Kit) -> list[dict]:
    """Every kit.record of the order, decoded from the signed wire form the store keeps until acked."""
    out = []
    for _seq, _id, _topic, wire in kit.store.pending_records(limit=10_000):
        env = decode(wire)
        verify(env, lambda s: kit.identity.key.private.public_key())
        out.append({"kind": env.body["kind"], **env.body})
    return out


def test_whole_job_records_every_step_in_order(kit: Kit) -> None:
    walk(kit.flow, kit.cam)
    job = kit.flow.job(ORDER_ID)
    assert job.step == Step.SEALED and job.next_steps == []
    kinds = [r.kind for r in kit.store.records_for_order(ORDER_ID)]
    expected = [RECORD_KIND[s] for s in (
        Step.ASSIGNED, Step.LOGGED_IN, Step.ARRIVED, Step.LOCKSMITH_VERIFIED, Step.CONSENTED, Step.CUSTOMER_PHOTO,
        Step.ID_PHOTO, Step.CUSTOMER_FINGERPRINT, Step.VIDEO_RUNNING, Step.LOCK_BEFORE, Step.OPENED, Step.LOCK_AFTER,
        Step.VIDEO_STOPPED, Step.COMPLETED, Step.FORM, Step.SEALED)]
    assert kinds == expected
    # Each step record is tied to order, kit, locksmith, position and time.
    for rec in _records(kit):
        if rec["order_id"] != ORDER_ID:
            continue
        assert rec["data"]["kit_id"] == "kit-0001"
        assert rec["data"]["locksmith_id"] == "ls-0001"
        assert rec["data"]["position"]["lat"] == pytest.approx(SITE[0] + 0.0002)
        assert rec["captured_at"] > 0


def test_sensitive_captures_are_sealed_and_never_in_clear(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.CUSTOMER_FINGERPRINT)
    files = {f.kind: f for f in kit.store.files_for_order(ORDER_ID)}
    for kind in ("photo.customer", "photo.id_card", "fingerprint.customer"):
        assert files[kind].sealed and files[kind].sha256 != files[kind].plain_sha256
    template = kit.fp.template
    for path in (kit.dir / "media").iterdir():
        assert template not in path.read_bytes()


def test_arrival_records_distance_and_flags_far_arrival(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.LOGGED_IN)
    kit.move_to(SITE[0] + 0.01, SITE[1])  # about 1.1 km away
    view = kit.flow.arrive(CODE)
    assert view.step == Step.ARRIVED
    arrived = [r for r in _records(kit) if r["kind"] == "job.arrived"][0]["data"]
    assert 1000 < arrived["distance_m"] < 1300
    assert arrived["flagged"] is True and arrived["flag_reason"] == "far_from_site"
    assert arrived["code_checked"] is True


def test_arrival_without_fix_is_allowed_but_flagged(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.LOGGED_IN)
    kit.lose_fix()
    kit.flow.arrive(CODE)
    arrived = [r for r in _records(kit) if r["kind"] == "job.arrived"][0]["data"]
    assert arrived["distance_m"] is None and arrived["flag_reason"] == "no_position"
    assert arrived["position"] is None


def test_wrong_service_code_refused_counted_and_never_stored(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.LOGGED_IN)
    with pytest.raises(StepRefused, match="wrong"):
        kit.flow.arrive("917355")
    assert kit.flow.job().step == Step.LOGGED_IN
    rejected = [r for r in _records(kit) if r["kind"] == "job.code_rejected"]
    assert rejected[0]["data"]["attempt"] == 1
    kit.flow.arrive(" 482-913 ")  # spaces and dashes are forgiven
    assert kit.flow.job().step == Step.ARRIVED
    # Neither the right nor the wrong code is anywhere on the kit's disk.
    for path in kit.dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert CODE.encode() not in data and b"917355" not in data


def test_code_attempts_are_limited(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.LOGGED_IN)
    for _ in range(kit.flow.settings.code_max_attempts):
        with pytest.raises(StepRefused):
            kit.flow.arrive("111111")
    with pytest.raises(StepRefused, match="Too many"):
        kit.flow.arrive(CODE)


@pytest.mark.parametrize("step", [s for s in Step if s not in (Step.ASSIGNED, Step.LOGGED_IN)])
def test_every_step_out_of_order_is_refused_with_a_message(kit: Kit, step: Step) -> None:
    kit.flow.on_order_assigned(order_body())
    actions = {
        Step.SET_OUT: kit.flow.set_out,  # login first
        Step.ARRIVED: lambda: kit.flow.arrive(CODE),
        Step.LOCKSMITH_VERIFIED: kit.flow.verify_locksmith,
        Step.CONSENTED: lambda: kit.flow.record_consent(True),
        Step.CONSENT_REFUSED: lambda: kit.flow.record_consent(False),
        Step.CUSTOMER_PHOTO: kit.flow.capture_customer_photo,
        Step.ID_PHOTO: kit.flow.capture_id_photo,
        Step.CUSTOMER_FINGERPRINT: kit.flow.capture_customer_fingerprint,
        Step.VIDEO_RUNNING: kit.flow.start_video,
        Step.LOCK_BEFORE: kit.flow.photo_before,
        Step.OPENED: kit.flow.mark_opened,
        Step.LOCK_AFTER: kit.flow.photo_after,
        Step.VIDEO_STOPPED: kit.flow.stop_video,
        Step.COMPLETED: lambda: kit.flow.complete(100, True),
        Step.FORM: kit.flow.make_form,
        Step.SEALED: kit.flow.seal,
        Step.ABORTED: None,
    }
    action = actions[step]
    if action is None:
        return  # aborting is allowed at any point before completion
    before = len(kit.store.records_for_order(ORDER_ID))
    with pytest.raises(StepRefused, match="Not allowed now"):
        action()
    assert kit.flow.job().step == Step.ASSIGNED
    assert len(kit.store.records_for_order(ORDER_ID)) == before
    assert kit.cam.shots == 0 and kit.fp.verifies == 0


def test_refusal_message_is_translated() -> None:
    from edge.job.steps import check

    set_language("zh_CN")
    try:
        with pytest.raises(StepRefused) as info:
            check(Step.ARRIVED, Step.VIDEO_RUNNING)
        assert "不能" in str(info.value)
    finally:
        set_language("en")


def test_transition_table_is_one_forward_path() -> None:
    # Every step is reachable from ASSIGNED and only SEALED is terminal.
    seen, todo = {Step.ASSIGNED}, [Step.ASSIGNED]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(Step)
    assert [s for s, n in TRANSITIONS.items() if not n] == [Step.SEALED]


def test_steps_need_the_orders_locksmith_logged_in(kit: Kit) -> None:
    kit.flow.on_order_assigned(order_body())
    with pytest.raises(StepRefused, match="Not allowed now"):
        kit.flow.arrive(CODE)  # not logged in: the order waits at ASSIGNED
    kit.enroll(3, OTHER_LOCKSMITH_FINGER)
    kit.fp_emulator.place_finger(OTHER_LOCKSMITH_FINGER)  # the other locksmith's finger
    kit.flow.login_fingerprint()
    session = kit.flow.session()
    assert session is not None and session.locksmith_id == "ls-0002"
    assert kit.flow.job().step == Step.ASSIGNED
    kit.fp_emulator.place_finger(LOCKSMITH_FINGER)
    kit.flow.login_fingerprint()
    assert kit.flow.job().step == Step.LOGGED_IN


def test_pin_fallback_is_recorded(kit: Kit) -> None:
    kit.flow.on_order_assigned(order_body())
    with pytest.raises(StepRefused):
        kit.flow.login_pin("ls-0001", "0000")
    kit.flow.login_pin("ls-0001", PIN)
    logged = [r for r in _records(kit) if r["kind"] == "job.logged_in"][0]["data"]
    assert logged["method"] == "pin" and logged["fallback"] is True
    failed = [r for r in _records(kit) if r["kind"] == "session.login_failed"][0]["data"]
    assert "pin" not in json.dumps({k: v for k, v in failed.items() if k != "method"})


def test_locksmith_verification_rejects_another_finger(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.ARRIVED)
    kit.enroll(3, OTHER_LOCKSMITH_FINGER)  # the other locksmith of this kit
    kit.fp_emulator.place_finger(OTHER_LOCKSMITH_FINGER)
    with pytest.raises(StepRefused, match="not that of this order's locksmith"):
        kit.flow.verify_locksmith()
    assert kit.flow.job().step == Step.ARRIVED


def test_consent_refused_stops_biometric_capture(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.LOCKSMITH_VERIFIED)
    kit.flow.record_consent(False)
    with pytest.raises(StepRefused):
        kit.flow.capture_customer_photo()
    assert kit.cam.shots == 0
    kit.flow.abort(None, "customer declined biometric capture")
    manifest = kit.flow.seal()
    assert manifest.outcome == "aborted"


def test_completion_needs_integer_fen_and_payment_confirmation(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.VIDEO_STOPPED)
    with pytest.raises(StepRefused):
        kit.flow.complete(15000, False)
    with pytest.raises(StepRefused):
        kit.flow.complete(150.0, True)  # type: ignore[arg-type]
    with pytest.raises(StepRefused):
        kit.flow.complete(-1, True)
    kit.flow.complete(15000, True)
    assert kit.flow.job().info["fee_fen"] == 15000


def test_video_segments_form_one_video_in_order(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.VIDEO_STOPPED)
    segs = [f for f in kit.store.files_for_order(ORDER_ID) if f.kind == "video.segment"]
    assert len(segs) == 3  # two rotations + the one closed at stop
    stopped = [r for r in _records(kit) if r["kind"] == "job.video_stopped"][0]["data"]
    assert [s["file_id"] for s in stopped["segments"]] == [s.file_id for s in segs]
    assert not any((kit.dir / "video-work" / ORDER_ID).iterdir())


def test_order_redelivery_is_idempotent(kit: Kit) -> None:
    kit.flow.on_order_assigned(order_body())
    kit.flow.on_order_assigned(order_body())
    assert [r.kind for r in kit.store.records_for_order(ORDER_ID)] == ["job.assigned"]


def test_hub_cancellation_aborts_and_seals(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.LOCK_BEFORE)
    kit.flow.on_order_cancelled({"order_id": ORDER_ID, "reason": "customer abandoned"})
    job = kit.flow.job(ORDER_ID)
    assert job.step == Step.SEALED
    assert not kit.cam.is_recording()
    bundle = [r for r in _records(kit) if r["kind"] == "job.evidence_bundle"][0]["data"]
    assert bundle["manifest"]["outcome"] == "aborted"


def test_downlink_handlers_take_typed_bodies(kit: Kit) -> None:
    from protocol.messages.job import JobCancelled

    handlers = kit.flow.downlink_handlers()
    handlers["job.order"](None, msgspec.convert(order_body(), dict))  # type: ignore[arg-type]
    assert kit.flow.job(ORDER_ID).step == Step.ASSIGNED
    handlers["job.cancelled"](None, JobCancelled(order_id=ORDER_ID, reason="test"))
    assert kit.flow.job(ORDER_ID).step == Step.SEALED


def test_manifest_lists_every_record_and_file_and_verifies(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.FORM)
    manifest = kit.flow.seal()
    verify_manifest(manifest, kit.identity.key.private.public_key())
    recs = kit.store.records_for_order(ORDER_ID)[:-1]  # all but the bundle record itself
    assert [(r.id, r.sha256) for r in manifest.records] == [(r.id, r.sha256) for r in recs]
    files = kit.store.files_for_order(ORDER_ID)
    assert {(f.file_id, f.sha256, f.plain_sha256) for f in manifest.files} == \
        {(f.file_id, f.sha256, f.plain_sha256) for f in files}
    assert manifest.video == [f.file_id for f in files if f.kind == "video.segment"]


class _RaisingFingerprint:
    """Minimal stand-in, for the one test below only: it asserts RuntimeError, which the real driver never
    raises (its errors are FingerprintError(Exception): NoMatch, NoFinger). Otherwise it passes each call to
    the real driver over the emulator."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.next_error: Exception | None = None

    @property
    def emulator(self) -> Any:
        return self.real.emulator

    def verify(self) -> Any:
        if self.next_error is not None:
            raise self.next_error
        return self.real.verify()

    def capture_template(self) -> bytes:
        return bytes(self.real.capture_template())

    def enrolled_template(self, slot: int) -> bytes:
        return bytes(self.real.enrolled_template(slot))


def test_failed_fingerprint_attempts_are_on_record(kit: Kit) -> None:
    fp = _RaisingFingerprint(kit.fp)  # see _RaisingFingerprint: the real driver raises no RuntimeError
    kit.flow.devices.fingerprint = kit.flow.sessions.fingerprint = fp
    kit.flow.on_order_assigned(order_body())
    fp.next_error = RuntimeError("No matching fingerprint was found")
    with pytest.raises(RuntimeError):
        kit.flow.login_fingerprint()
    failed = [r for r in _records(kit) if r["kind"] == "session.login_failed"]
    assert failed and "No matching" in failed[0]["data"]["error"]
    fp.next_error = None  # the locksmith's finger on the sensor (walk places it)
    walk(kit.flow, kit.cam, until=Step.ARRIVED)
    fp.next_error = RuntimeError("No finger on the sensor")
    with pytest.raises(RuntimeError):
        kit.flow.verify_locksmith()
    rejected = [r for r in _records(kit) if r["kind"] == "job.locksmith_rejected"]
    assert rejected and rejected[0]["order_id"] == ORDER_ID
    assert kit.flow.job().step == Step.ARRIVED


def test_concurrent_attempts_at_one_step_record_it_once(kit: Kit) -> None:
    import threading

    walk(kit.flow, kit.cam, until=Step.LOGGED_IN)
    results: list[str] = []

    def attempt() -> None:
        try:
            kit.flow.arrive(CODE)
            results.append("ok")
        except StepRefused:
            results.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused", "refused", "refused"]
    assert [r.kind for r in kit.store.records_for_order(ORDER_ID)].count("job.arrived") == 1


def test_start_waits_for_the_identity_upload_by_default(kit: Kit) -> None:
    import msgspec as ms

    from edge.job.config import JobSettings

    assert JobSettings().start_requires_upload  # the default; this kit's job.toml switched it off
    kit.flow.settings = ms.structs.replace(kit.flow.settings, start_requires_upload=True)
    walk(kit.flow, kit.cam, until=Step.CUSTOMER_FINGERPRINT)
    waiting = kit.flow.identity_not_uploaded(ORDER_ID)
    assert len(waiting) == 3
    with pytest.raises(StepRefused, match="not reached the hub"):
        kit.flow.start_video()
    for file_id in waiting:  # the hub's media acks arrive
        kit.store.mark_file(file_id, "stored")
    kit.flow.start_video()
    assert kit.flow.job().step == Step.VIDEO_RUNNING


def test_a_record_that_breaks_its_contract_is_refused_in_words_for_the_locksmith(
        kit: Kit, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A kit defect (a job record that does not fit protocol.jobrecords) is refused and nothing recorded; the
    locksmith reads what to do, the decoder's field-and-type wording goes to the log."""
    import edge.job.flow as flow_module
    from protocol.jobrecords import BadRecord

    walk(kit.flow, kit.cam, until=Step.LOGGED_IN)
    before = len(_records(kit))

    def broken(kind: str, data: dict[str, Any]) -> None:
        raise BadRecord("Expected `int | null`, got `str` - at `$.distance_m`")

    monkeypatch.setattr(flow_module, "decode", broken)
    set_language("en")
    with pytest.raises(StepRefused) as refused:
        kit.flow.arrive(CODE)
    assert "fault in its software" in str(refused.value) and "distance_m" not in str(refused.value)
    assert "distance_m" in caplog.text  # the details, for whoever reads the kit's log
    assert kit.flow.job().step == Step.LOGGED_IN and len(_records(kit)) == before
