"""The customer's ID number at the ID card photo step (R-8): checked (stdnum.cn.ric) before anything is
captured, the order's number confirmed instead of retyped, a different one only when confirmed, skipping with a
reason; sealed like the photo; in full on the sealed police copy of the form, masked on screen, and nowhere in
clear on the kit's disk. Through the API (emulated kit) and `lockwarden kit job capture-customer`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import msgspec
import pytest

from edge.job.idnumber import IdEntry, resolve
from edge.job.idstep import ID_NUMBER_KIND, INFO_KEY, LOCAL_KEY
from edge.job.steps import Step, StepRefused
from protocol.i18n import set_language
from protocol.regform import RegistrationForm, render_text
from protocol.sealed import open_sealed
from tests.job.conftest import CODE, CUSTOMER_ID, ORDER_ID, Kit, order_body
from tests.job.rig import CUSTOMER_FINGER, LOCKSMITH_FINGER, KitRig
from tests.job.walk import walk

OTHER_ID = "11010519491231002X"  # valid, not the order's


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")


def _at_id_step(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.CONSENTED)
    kit.flow.capture_customer_photo()


def _id_record(kit: Kit) -> dict[str, object]:
    for _seq, _rid, _topic, wire in kit.store.pending_records(limit=10_000):
        body = json.loads(wire)["body"]
        if body["kind"] == "job.id_photo":
            return dict(body["data"])
    raise AssertionError("no job.id_photo record")


def _finish(kit: Kit) -> RegistrationForm:
    """On to the form; returns the sealed police copy."""
    kit.fp_emulator.place_finger(CUSTOMER_FINGER)
    kit.flow.capture_customer_fingerprint()
    walk_rest = [kit.flow.start_video, kit.flow.photo_before, kit.flow.mark_opened, kit.flow.photo_after,
                 kit.flow.stop_video]
    for step in walk_rest:
        step()
    kit.flow.complete(15000, True)
    kit.flow.make_form()
    police = next(p for p in kit.store.pending_files(limit=1000) if p.kind == "form.police_copy")
    plain = open_sealed(police.path.read_bytes(), kit.hub_sealing.private, aad=police.file_id.encode())
    return msgspec.json.decode(plain, type=RegistrationForm)


@pytest.mark.parametrize(("typed", "message"), [
    ("110101199003077777", "check digit does not match"),
    ("11010119900307777", "has 18 characters (17 digits, then a digit or X); 17 were given"),
    ("1101011990030777A7", "17 digits followed by a digit or X"),
    ("110101199013327773", "birth date or region code is not valid"),
])
def test_an_invalid_number_is_refused_and_nothing_is_recorded(kit: Kit, typed: str, message: str) -> None:
    _at_id_step(kit)
    shots, records = kit.cam.shots, len(kit.store.records_for_order(ORDER_ID))
    with pytest.raises(StepRefused, match=re.escape(message)):
        kit.flow.capture_id_photo(id_number=typed)
    with pytest.raises(StepRefused, match="Enter the customer's ID number from the card"):
        kit.flow.capture_id_photo()  # no answer at all
    with pytest.raises(StepRefused, match="Give only one of"):
        kit.flow.capture_id_photo(id_entry=IdEntry(number=CUSTOMER_ID, skip_reason="card_damaged"))
    assert kit.flow.job().step == Step.CUSTOMER_PHOTO
    assert kit.cam.shots == shots and len(kit.store.records_for_order(ORDER_ID)) == records
    assert not any(f.kind in ("photo.id_card", ID_NUMBER_KIND) for f in kit.store.files_for_order(ORDER_ID))


def test_capture_customer_checks_the_number_before_the_first_photo(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.CONSENTED)
    shots, records = kit.cam.shots, len(kit.store.records_for_order(ORDER_ID))
    with pytest.raises(StepRefused, match="check digit does not match"):
        kit.flow.capture_customer(id_entry=IdEntry(number="110101199003077777"))
    assert kit.flow.job().step == Step.CONSENTED  # not even the customer's photo was taken
    assert kit.cam.shots == shots and len(kit.store.records_for_order(ORDER_ID)) == records


def test_order_number_confirmed_is_sealed_and_on_the_police_copy(kit: Kit) -> None:
    _at_id_step(kit)
    kit.flow.capture_id_photo(id_entry=IdEntry(confirm_order=True))
    data = _id_record(kit)
    assert data["id_number_matches_order"] is True
    answer = data["id_number"]
    assert isinstance(answer, dict) and answer["check"] == "confirmed" and answer["masked"] == "1101**********7774"
    sealed = next(p for p in kit.store.pending_files(limit=1000) if p.kind == ID_NUMBER_KIND)
    content = json.loads(open_sealed(sealed.path.read_bytes(), kit.hub_sealing.private, aad=sealed.file_id.encode()))
    assert content == {"order_id": ORDER_ID, "id_number": CUSTOMER_ID, "check": "confirmed"}
    assert answer["plain_sha256"] and sealed.sealed
    police = _finish(kit)
    assert police.customer.id_number == CUSTOMER_ID and police.customer_id_check == "confirmed"
    shown = kit.flow.recorded_form()
    assert shown is not None and shown.customer.id_number == "1101**********7774"
    assert re.search(r"Customer ID number check +the ID card shows the order's number", render_text(shown, "en"))
    assert "身份证号码与订单一致" in render_text(shown, "zh_CN")
    assert kit.flow.job().info[LOCAL_KEY] == ""  # the kit-local copy is wiped once the police copy is sealed


def test_a_different_number_only_when_confirmed_and_never_in_clear_on_the_kit(kit: Kit) -> None:
    _at_id_step(kit)
    typed = " 110105 19491231 002x "  # spaces and a lower-case x, as typed
    with pytest.raises(StepRefused, match=r"is not the order's \(1101\*\*\*\*\*\*\*\*\*\*7774\)"):
        kit.flow.capture_id_photo(id_number=typed)
    assert kit.flow.job().step == Step.CUSTOMER_PHOTO
    kit.flow.capture_id_photo(id_entry=IdEntry(number=typed, accept_mismatch=True))
    info = kit.flow.job().info
    assert info[INFO_KEY] == {"check": "differs_from_order", "masked": "1101**********002X", "skip_reason": "",
                              "matches_order": False}
    assert info[LOCAL_KEY] and OTHER_ID not in info[LOCAL_KEY]
    police = _finish(kit)
    assert police.customer.id_number == OTHER_ID and police.customer_id_check == "differs_from_order"
    shown = kit.flow.recorded_form()
    assert shown is not None and "it differs from the order's number" in render_text(shown, "en")
    # The card's number is sealed (to the hub) or encrypted (until the form) everywhere on the kit's disk.
    for path in kit.dir.rglob("*"):
        if path.is_file():
            assert OTHER_ID.encode() not in path.read_bytes(), path


def test_skipped_with_a_reason_and_an_order_without_a_number(kit: Kit) -> None:
    _at_id_step(kit)
    kit.flow.capture_id_photo(id_entry=IdEntry(skip_reason="card_damaged"))
    assert _id_record(kit)["id_number"] == {"check": "skipped", "masked": "", "skip_reason": "card_damaged",
                                            "matches_order": None}
    police = _finish(kit)
    assert police.customer.id_number == CUSTOMER_ID  # the order's, not checked against the card
    assert police.customer_id_skip_reason == "card_damaged"
    shown = kit.flow.recorded_form()
    assert shown is not None
    assert "not read from the ID card: the ID card is damaged" in render_text(shown, "en")
    assert "未从身份证读取：身份证损坏" in render_text(shown, "zh_CN")

    # An order without the customer's number: nothing to confirm, the typed one is taken.
    with pytest.raises(StepRefused, match="The order carries no ID number to confirm"):
        resolve(IdEntry(confirm_order=True), "")
    assert resolve(IdEntry(number=OTHER_ID), "").check == "entered"
    with pytest.raises(StepRefused, match="The order's ID number is not valid"):
        resolve(IdEntry(confirm_order=True), "110101199003077777")


def test_refusals_are_translated() -> None:
    set_language("zh_CN")
    try:
        with pytest.raises(StepRefused) as info:
            resolve(IdEntry(number="110101199003077777"), CUSTOMER_ID)
        assert str(info.value) == "身份证号码校验位不符：请再次与身份证核对"
    finally:
        set_language("en")


def test_capture_customer_from_the_command_line(rig: KitRig, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    order = tmp_path / "order.json"
    order.write_text(json.dumps(order_body(), ensure_ascii=False), encoding="utf-8")
    assert rig.run("receive", str(order)) == 0
    rig.fp.place_finger(LOCKSMITH_FINGER)
    for args in (("login",), ("arrive", "--code", CODE), ("verify",), ("consent", "--yes")):
        assert rig.run(*args) == 0, args
    capsys.readouterr()
    assert rig.run("capture-customer") == 3  # no answer, and no terminal to ask at
    assert "--id-number N, --confirm-id" in capsys.readouterr().err
    assert rig.run("capture-customer", "--id-number", "110101199003077777") == 3
    assert "check digit does not match" in capsys.readouterr().err
    assert rig.run("capture-customer", "--id-number", OTHER_ID) == 3
    assert "is not the order's" in capsys.readouterr().err
    store = rig.store()
    try:
        assert store.files_for_order(ORDER_ID) == []  # refused before the customer's photo was taken
    finally:
        store.close()
    rig.fp.place_finger(CUSTOMER_FINGER)
    assert rig.run("capture-customer", "--id-number", OTHER_ID, "--id-differs") == 0
    assert rig.run("show", "--json") == 0
    shown = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert shown["step"] == "customer_fingerprint"
    # `--json` of the job step shows the answer, masked; never the encrypted kit-local copy.
    capsys.readouterr()
    assert rig.run("video-start", "--json") == 0
    try:
        printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert printed["info"][INFO_KEY]["masked"] == "1101**********002X" and LOCAL_KEY not in printed["info"]
    finally:
        assert rig.run("abort", "--reason", "test ends here") == 0
