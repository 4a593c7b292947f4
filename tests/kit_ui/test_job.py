"""The Job screen drives the whole on-site job by its buttons, with emulated fingers placed at the prompts,
to a sealed evidence bundle; steps out of order and a wrong code show the flow's own messages."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from edge.job.steps import Step, StepRefused
from lockwarden.kit_ui import make_kit_ui
from lockwarden.kit_ui.confirm import ConfirmScreen
from lockwarden.kit_ui.evidence import EvidenceScreen
from lockwarden.kit_ui.idnumber import IdNumberScreen
from lockwarden.kit_ui.job import JobScreen
from lockwarden.kit_ui.keypad import KeypadScreen
from tests.job.conftest import CODE, CUSTOMER_ID, ORDER_ID, OTHER_LOCKSMITH_FINGER
from tests.job.rig import CUSTOMER_FINGER, LOCKSMITH_FINGER
from tests.kit_ui.conftest import PIN, UiKit
from tests.kit_ui.helpers import deliver_order, job_step, keys, open_job, press_next, text, until


async def _done(app: Any, pilot: Any, kit: UiKit, step: Step, message: str) -> None:
    await until(pilot, lambda: isinstance(app.screen, JobScreen) and not app.screen.busy and job_step(kit) == step)
    assert text(app, "#message") == message
    assert "error" not in app.screen.query_one("#message").classes


async def _finger(app: Any, pilot: Any, kit: UiKit, prompt: str, finger: str) -> None:
    await until(pilot, lambda: text(app, "#message") == prompt)
    kit.emu.place_finger(finger)


def test_whole_job_by_the_buttons_to_a_sealed_bundle(ui_kit: UiKit) -> None:
    asyncio.run(_whole_job(ui_kit))


async def _whole_job(kit: UiKit, ui_service: Any = None) -> None:
    """`ui_service`: what the UI is attached to (the kit link's client), else the service in-process."""
    deliver_order(kit)
    app = make_kit_ui(ui_service or kit.service)
    store = kit.service.app.store
    async with app.run_test(size=(100, 30)) as pilot:
        await open_job(app, pilot)
        await press_next(app, pilot, "Log in by fingerprint")  # login first: nothing else before it
        await _finger(app, pilot, kit, "Place your finger on the sensor", LOCKSMITH_FINGER)
        await _done(app, pilot, kit, Step.LOGGED_IN, "Logged in")
        kit.emu.remove_finger()

        await press_next(app, pilot, "Set out for the site")
        await until(pilot, lambda: not app.screen.busy and text(app, "#message").startswith("Set out"))
        assert [r.kind for r in store.records_for_order(ORDER_ID)].count("job.set_out") == 1

        await press_next(app, pilot, "Enter the customer's service code")
        await keys(app, pilot, CODE)
        await _done(app, pilot, kit, Step.ARRIVED, "Service code correct: arrival recorded")

        # A finger the sensor does not know: the sensor's "[0x09]" stays in the record, the screen says what
        # happened and what to do (over the kit link too: the service sends the sentence, not the code).
        await press_next(app, pilot, "Verify my fingerprint")
        await _finger(app, pilot, kit, "Place your finger on the sensor", OTHER_LOCKSMITH_FINGER)
        await until(pilot, lambda: not app.screen.busy and "error" in app.screen.query_one("#message").classes)
        assert text(app, "#message") == ("The fingerprint was not recognised: place an enrolled finger flat on the "
                                         "sensor and try again")
        assert job_step(kit) == Step.ARRIVED
        kit.emu.remove_finger()
        await press_next(app, pilot, "Verify my fingerprint")
        await _finger(app, pilot, kit, "Place your finger on the sensor", LOCKSMITH_FINGER)
        await _done(app, pilot, kit, Step.LOCKSMITH_VERIFIED, "Fingerprint verified")
        kit.emu.remove_finger()

        await press_next(app, pilot, "Customer consent")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "my fingerprint are recorded" in text(app, "#confirm-text")
        await pilot.click("#confirm-yes")
        await _done(app, pilot, kit, Step.CONSENTED, "Consent recorded")

        await press_next(app, pilot, "Take the customer's photo")
        await _done(app, pilot, kit, Step.CUSTOMER_PHOTO, "Take the customer's photo: done")
        await press_next(app, pilot, "Take the ID card photo")  # the ID number first: the order's, confirmed
        await until(pilot, lambda: isinstance(app.screen, IdNumberScreen))
        assert "1101**********7774" in text(app, "#id-order") and CUSTOMER_ID not in text(app, "#id-order")
        await pilot.click("#id-same")
        await _done(app, pilot, kit, Step.ID_PHOTO, "Take the ID card photo: done")

        await press_next(app, pilot, "Take the customer's fingerprint")
        await _finger(app, pilot, kit, "Ask the customer to place a finger on the sensor", CUSTOMER_FINGER)
        await _done(app, pilot, kit, Step.CUSTOMER_FINGERPRINT, "Customer fingerprint recorded")
        kit.emu.remove_finger()

        await press_next(app, pilot, "Start the video")
        await _done(app, pilot, kit, Step.VIDEO_RUNNING, "Start the video: done")
        await until(pilot, lambda: any(f.kind == "video.segment" for f in store.files_for_order(ORDER_ID)),
                    pauses=400)
        for label, step in (("Photo of the lock before", Step.LOCK_BEFORE), ("The lock is open", Step.OPENED),
                            ("Photo of the lock after", Step.LOCK_AFTER), ("Stop the video", Step.VIDEO_STOPPED)):
            await press_next(app, pilot, label)
            await _done(app, pilot, kit, step, f"{label}: done")

        await press_next(app, pilot, "Enter the fee and confirm payment")
        await keys(app, pilot, "180.5")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert text(app, "#confirm-text") == "Fee ¥180.50: has the customer paid?"
        await pilot.click("#confirm-yes")
        await _done(app, pilot, kit, Step.COMPLETED, "Fee ¥180.50 received: job completed")

        await press_next(app, pilot, "Make the registration form")
        await _done(app, pilot, kit, Step.FORM, "Make the registration form: done")
        await press_next(app, pilot, "Seal the evidence")
        await _done(app, pilot, kit, Step.SEALED, "Seal the evidence: done")
        await until(pilot, lambda: str(app.screen.query_one("#next").label) == "The job is finished")
        assert app.screen.query_one("#next").disabled

        view = kit.service.flow.job(ORDER_ID)
        assert view.info["fee_fen"] == 18050
        kinds = {f.kind for f in store.files_for_order(ORDER_ID)}
        assert {"photo.customer", "photo.id_card", "fingerprint.customer", "photo.lock_before",
                "photo.lock_after", "video.segment", "form.police_copy"} <= kinds
        assert [r.kind for r in store.records_for_order(ORDER_ID)][-1] == "job.evidence_bundle"

        # Evidence: every capture listed, none at the hub yet (no broker in this test).
        await pilot.click("#evidence")
        await until(pilot, lambda: isinstance(app.screen, EvidenceScreen) and "waiting" in text(app, "#files"))
        files = text(app, "#files")
        assert "Customer photo" in files and "✓" not in files
        segments = sum(1 for f in store.files_for_order(ORDER_ID) if f.kind == "video.segment")
        assert f"Video: {segments} segments" in files and f"0 of {segments} at the hub" in files  # one item
        assert "Video segment" not in files
        assert "not yet at the hub" in text(app, "#records")
        await pilot.click("#back")
        await until(pilot, lambda: isinstance(app.screen, JobScreen))


def test_step_out_of_order_shows_the_flows_refusal(ui_kit: UiKit) -> None:
    asyncio.run(_out_of_order(ui_kit))


async def _out_of_order(kit: UiKit) -> None:
    deliver_order(kit)
    with pytest.raises(StepRefused) as refused:  # what the flow itself says, translated
        kit.service.flow.stop_video(ORDER_ID)
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_job(app, pilot)
        app.screen.query_one("#step-stop_video").press()  # the step list beside the big button
        await until(pilot, lambda: text(app, "#message") == str(refused.value))
        assert "error" in app.screen.query_one("#message").classes
        assert job_step(kit) == Step.ASSIGNED
        app.screen.query_one("#step-code").press()  # an input step is checked before its keypad opens
        await until(pilot, lambda: "Enter the customer's service code" in text(app, "#message")
                    or "service code" in text(app, "#message"))
        assert not isinstance(app.screen, KeypadScreen) and job_step(kit) == Step.ASSIGNED


def test_pin_login_and_a_wrong_code(ui_kit: UiKit) -> None:
    asyncio.run(_pin_and_wrong_code(ui_kit))


async def _pin_and_wrong_code(kit: UiKit) -> None:
    deliver_order(kit)
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_job(app, pilot)
        with pytest.raises(StepRefused):  # login first: no set out without a logged-in locksmith
            kit.service.set_out(ORDER_ID)
        await until(pilot, lambda: str(app.screen.query_one("#next").label) == "Log in by fingerprint")
        assert not app.screen.query_one("#pin").disabled  # the PIN fallback beside the fingerprint login
        await pilot.click("#pin")
        await keys(app, pilot, PIN)
        await _done(app, pilot, kit, Step.LOGGED_IN, "Logged in")
        assert kit.service.flow.session().method == "pin"
        kit.service.set_out(ORDER_ID)  # set out elsewhere (the step list shows it done)
        await press_next(app, pilot, "Enter the customer's service code")
        await keys(app, pilot, "000000")
        await until(pilot, lambda: not app.screen.busy and "wrong" in text(app, "#message"))
        assert text(app, "#message") == "The service code is wrong (4 attempts left)"
        assert job_step(kit) == Step.SET_OUT


def test_leaving_the_screen_while_a_finger_is_awaited(ui_kit: UiKit) -> None:
    asyncio.run(_leave_while_waiting(ui_kit))


async def _leave_while_waiting(kit: UiKit) -> None:
    from lockwarden.kit_ui.home import HomeScreen

    deliver_order(kit)
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_job(app, pilot)
        await press_next(app, pilot, "Log in by fingerprint")
        await until(pilot, lambda: text(app, "#message") == "Place your finger on the sensor")
        await pilot.click("#home")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        kit.emu.place_finger(LOCKSMITH_FINGER)  # the step still completes, and the Home screen shows it
        await until(pilot, lambda: "locksmith logged in" in text(app, "#job"))
        assert job_step(kit) == Step.LOGGED_IN and app.is_running


def test_consent_refused_then_aborted_and_sealed(ui_kit: UiKit) -> None:
    asyncio.run(_refused_and_aborted(ui_kit))


async def _refused_and_aborted(kit: UiKit) -> None:
    deliver_order(kit)
    kit.service.flow.login_pin("ls-0001", PIN)
    kit.service.set_out(ORDER_ID)
    kit.service.flow.arrive(CODE, ORDER_ID)
    kit.emu.place_finger(LOCKSMITH_FINGER)
    kit.service.flow.verify_locksmith(ORDER_ID)
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_job(app, pilot)
        await press_next(app, pilot, "Customer consent")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#confirm-no")
        await _done(app, pilot, kit, Step.CONSENT_REFUSED, "The customer refused: no biometric capture, no job")
        app.screen.query_one("#step-customer_photo").press()  # no capture without consent
        await until(pilot, lambda: "error" in app.screen.query_one("#message").classes)
        assert not [f for f in kit.service.app.store.files_for_order(ORDER_ID)]
        await pilot.click("#abort")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#confirm-yes")
        await _done(app, pilot, kit, Step.ABORTED, "Job aborted: seal the evidence")
        assert app.screen.query_one("#abort").disabled  # in its place, not removed
        await press_next(app, pilot, "Seal the evidence")
        await _done(app, pilot, kit, Step.SEALED, "Seal the evidence: done")
        bundle = kit.service.app.store.records_for_order(ORDER_ID)[-1]
        assert bundle.kind == "job.evidence_bundle"


def test_cancelled_by_the_customer_says_so_in_place_of_a_stale_error(ui_kit: UiKit) -> None:
    asyncio.run(_cancelled(ui_kit))


async def _cancelled(kit: UiKit) -> None:
    deliver_order(kit)
    kit.service.flow.login_pin("ls-0001", PIN)
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_job(app, pilot)
        app.screen.query_one("#step-stop_video").press()  # an error on screen
        await until(pilot, lambda: "error" in app.screen.query_one("#message").classes)
        kit.service.flow.on_order_cancelled({"order_id": ORDER_ID, "reason": "customer abandoned"})
        await until(pilot, lambda: text(app, "#message") == "The order was cancelled: stop work, the evidence is "
                                                             "sealed")
        assert "error" not in app.screen.query_one("#message").classes
        assert job_step(kit) == Step.SEALED
        assert text(app, "#customer") == ""  # the customer's details only while the job runs


def test_recording_indicator_while_the_video_runs(ui_kit: UiKit) -> None:
    asyncio.run(_recording(ui_kit))


async def _recording(kit: UiKit) -> None:
    flow = kit.service.flow
    deliver_order(kit)
    flow.login_pin("ls-0001", PIN)
    flow.arrive(CODE, ORDER_ID)
    kit.emu.place_finger(LOCKSMITH_FINGER)
    flow.verify_locksmith(ORDER_ID)
    kit.emu.remove_finger()
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_job(app, pilot)
        assert text(app, "#rec") == ""
        flow.record_consent(True, ORDER_ID)
        flow.capture_customer_photo(ORDER_ID)
        from edge.job.idnumber import IdEntry

        flow.capture_id_photo(ORDER_ID, id_entry=IdEntry(confirm_order=True))
        kit.emu.place_finger(CUSTOMER_FINGER)
        flow.capture_customer_fingerprint(ORDER_ID)
        kit.emu.remove_finger()
        flow.start_video(ORDER_ID)
        await until(pilot, lambda: text(app, "#rec") == "● Recording: the video runs")
        await until(pilot, lambda: any(f.kind == "video.segment"  # the recorder's first picture
                                       for f in kit.service.app.store.files_for_order(ORDER_ID)), pauses=400)
        # the kit's disk fills: the locksmith sees the video paused, in red, and it comes back by itself
        recorder = flow.devices.camera._cam._recorder  # type: ignore[attr-defined]
        recorder.free_bytes = lambda _path: 0
        await until(pilot, lambda: text(app, "#rec").startswith("Video paused: the kit's storage is full"),
                    pauses=400)
        assert "error" in app.screen.query_one("#rec").classes
        recorder.free_bytes = lambda _path: 10**12
        await until(pilot, lambda: text(app, "#rec") == "● Recording: the video runs", pauses=400)
        assert "error" not in app.screen.query_one("#rec").classes
        flow.photo_before(ORDER_ID)
        flow.mark_opened(ORDER_ID)
        flow.photo_after(ORDER_ID)
        flow.stop_video(ORDER_ID)
        await until(pilot, lambda: text(app, "#rec") == "")
