"""The ID card photo step on the touchscreen asks for the customer's ID number first: the order's confirmed,
typed on the keypad (X key included) and checked before anything is photographed, a different number only
after an explicit press, or skipped with a reason."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from edge.job.flow import ID_REVEALED_KIND
from edge.job.idstep import INFO_KEY
from edge.job.steps import Step
from lockwarden.kit_ui import make_kit_ui
from lockwarden.kit_ui.confirm import ConfirmScreen
from lockwarden.kit_ui.idnumber import IdNumberScreen
from lockwarden.kit_ui.job import JobScreen
from protocol.envelope import open_envelope
from protocol.regform import mask_id_number
from tests.job.conftest import CODE, CUSTOMER_ID, ORDER_ID
from tests.job.rig import LOCKSMITH_FINGER
from tests.kit_ui.conftest import PIN, UiKit
from tests.kit_ui.helpers import deliver_order, job_step, keys, open_job, press_next, text, until

OTHER_ID = "11010519491231002X"  # valid, not the order's


def _to_id_step(kit: UiKit) -> None:
    flow = kit.service.flow
    deliver_order(kit)
    flow.login_pin("ls-0001", PIN)
    kit.service.set_out(ORDER_ID)
    flow.arrive(CODE, ORDER_ID)
    kit.emu.place_finger(LOCKSMITH_FINGER)
    flow.verify_locksmith(ORDER_ID)
    kit.emu.remove_finger()
    flow.record_consent(True, ORDER_ID)
    flow.capture_customer_photo(ORDER_ID)


@asynccontextmanager
async def _at_id_screen(kit: UiKit) -> AsyncIterator[tuple[Any, Any]]:
    """The kit UI on the ID number screen, the job walked up to the ID card photo: (app, pilot)."""
    _to_id_step(kit)
    app = make_kit_ui(kit.service)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_job(app, pilot)
        await press_next(app, pilot, "Take the ID card photo")
        await until(pilot, lambda: isinstance(app.screen, IdNumberScreen))
        yield app, pilot


async def _type(app: Any, pilot: Any, number: str) -> None:
    await pilot.click("#id-type")
    await keys(app, pilot, number)
    await until(pilot, lambda: isinstance(app.screen, IdNumberScreen))


def _id_photos(kit: UiKit) -> int:
    return sum(f.kind == "photo.id_card" for f in kit.service.app.store.files_for_order(ORDER_ID))


def test_typed_number_checked_and_a_difference_confirmed(ui_kit: UiKit) -> None:
    asyncio.run(_typed(ui_kit))


async def _typed(kit: UiKit) -> None:
    async with _at_id_screen(kit) as (app, pilot):
        await _type(app, pilot, "110101199003077777")  # one digit off: the check digit does not match
        assert "check digit does not match" in text(app, "#id-error")
        assert _id_photos(kit) == 0 and job_step(kit) == Step.CUSTOMER_PHOTO
        assert app.screen.query_one("#id-differs").disabled
        await _type(app, pilot, OTHER_ID)
        assert "is not the order's" in text(app, "#id-error") and "1101**********002X" in text(app, "#id-error")
        assert not app.screen.query_one("#id-differs").disabled and _id_photos(kit) == 0
        await pilot.click("#id-differs")
        await until(pilot, lambda: isinstance(app.screen, JobScreen) and not app.screen.busy
                    and job_step(kit) == Step.ID_PHOTO)
        assert text(app, "#message") == "Take the ID card photo: done"
    answer = kit.service.flow.job(ORDER_ID).info[INFO_KEY]
    assert answer == {"check": "differs_from_order", "masked": "1101**********002X", "skip_reason": "",
                      "matches_order": False}
    assert _id_photos(kit) == 1


def test_unreadable_card_is_skipped_with_its_reason(ui_kit: UiKit) -> None:
    asyncio.run(_skipped(ui_kit))


async def _skipped(kit: UiKit) -> None:
    async with _at_id_screen(kit) as (app, pilot):
        await pilot.click("#id-skip")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#confirm-yes")  # the card is damaged
        await until(pilot, lambda: isinstance(app.screen, JobScreen) and job_step(kit) == Step.ID_PHOTO)
    answer = kit.service.flow.job(ORDER_ID).info[INFO_KEY]
    assert answer["check"] == "skipped" and answer["skip_reason"] == "card_damaged"
    assert _id_photos(kit) == 1
    assert not any(f.kind == "id_number.customer" for f in kit.service.app.store.files_for_order(ORDER_ID))


def test_order_number_masked_until_opened_and_the_opening_is_recorded(ui_kit: UiKit) -> None:
    asyncio.run(_revealed(ui_kit))


async def _revealed(kit: UiKit) -> None:
    async with _at_id_screen(kit) as (app, pilot):
        assert CUSTOMER_ID not in text(app, "#id-order") and mask_id_number(CUSTOMER_ID) in text(app, "#id-order")
        assert _reveals(kit) == []
        await pilot.click("#id-reveal")
        await until(pilot, lambda: CUSTOMER_ID in text(app, "#id-order"))
        [rec] = _reveals(kit)
        data = open_envelope_data(kit, rec.id)
        assert data["locksmith_id"] == "ls-0001" and data["field"] == "customer_id_number"
        assert data["step"] == "customer_photo" and CUSTOMER_ID not in json.dumps(data)
        await pilot.click("#id-same")
        await until(pilot, lambda: isinstance(app.screen, JobScreen) and job_step(kit) == Step.ID_PHOTO)


def _reveals(kit: UiKit) -> list[Any]:
    return [r for r in kit.service.app.store.records_for_order(ORDER_ID) if r.kind == ID_REVEALED_KIND]


def open_envelope_data(kit: UiKit, record_id: str) -> dict[str, Any]:
    """The record as the hub will read it (the outbox keeps it sealed with the order's key until sent)."""
    store = kit.service.app.store
    [wire] = [w for _s, rid, _t, w in store.pending_records() if rid == record_id]
    _env, body = open_envelope(wire, lambda _sender: store.identity.key.private.public_key())
    return dict(body.data)  # type: ignore[attr-defined]
