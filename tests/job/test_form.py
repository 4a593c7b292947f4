"""The electronic unlock registration form: required fields, masking, the sealed police copy, renderings."""

from __future__ import annotations

import msgspec
import pytest

from edge.job.steps import Step
from protocol.i18n import set_language
from protocol.regform import (
    RegistrationForm,
    form_from_data,
    mask_id_number,
    mask_mobile,
    masked_copy,
    render_html,
    render_text,
)
from protocol.sealed import open_sealed
from tests.job.conftest import CUSTOMER_ID, ORDER_ID, Kit
from tests.job.walk import walk


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")


def _recorded(kit: Kit) -> dict:
    for _seq, _rid, _topic, wire in kit.store.pending_records(limit=10_000):
        env = msgspec.json.decode(wire)
        if env["body"]["kind"] == "job.registration_form":
            return dict(env["body"]["data"])
    raise AssertionError("no form record")


def _police_copy(kit: Kit, data: dict) -> RegistrationForm:
    file_id = data["police_copy"]["file_id"]
    pending = next(p for p in kit.store.pending_files(limit=1000) if p.file_id == file_id)
    plain = open_sealed(pending.path.read_bytes(), kit.hub_sealing.private, aad=file_id.encode())
    return msgspec.json.decode(plain, type=RegistrationForm)


def test_form_has_every_required_field(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.FORM)
    data = _recorded(kit)
    form = form_from_data(data["form"])
    assert form.masked
    # both parties, the voucher, address, lock type, work number, times
    assert form.customer.name == "张三" and form.locksmith.name == "李建国"
    assert form.voucher is not None and form.voucher.role == "witness" and form.voucher.name == "王五"
    assert form.site_address == "北京市东城区东长安街1号" and form.lock_type == "B" and form.category == "open"
    assert form.locksmith.work_no == "BJ-KS-0001" and form.locksmith.unit
    t = form.times
    assert t.assigned_ms and t.arrived_ms and t.verified_ms and t.opened_ms and t.completed_ms
    assert t.assigned_ms <= t.arrived_ms <= t.verified_ms <= t.opened_ms <= t.completed_ms
    assert form.fee_fen == 15000 and form.payment_received
    assert form.arrival_distance_m is not None and form.arrival_distance_m < 100 and not form.arrival_flagged
    # the hashes of the evidence: every record and file of the job so far
    refs = {e.ref: e.sha256 for e in form.evidence}
    for r in kit.store.records_for_order(ORDER_ID)[:-1]:  # not the form record itself
        assert refs[r.id] == r.sha256
    for f in kit.store.files_for_order(ORDER_ID):
        if f.kind != "form.police_copy":
            assert refs[f.file_id] == f.sha256
    # renderings in both languages travel with it
    assert "开锁登记表" in data["text"]["zh_CN"] and "Unlock registration form" in data["text"]["en"]


def test_screen_copy_is_masked_and_police_copy_is_full_and_sealed(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.FORM)
    data = _recorded(kit)
    shown = form_from_data(data["form"])
    assert shown.customer.id_number == "1101**********7774"
    assert shown.customer.mobile == "138****8000"
    assert shown.locksmith.id_number == "1101**********1234"
    assert CUSTOMER_ID not in msgspec.json.encode(data).decode()
    police = _police_copy(kit, data)
    assert not police.masked
    assert police.customer.id_number == CUSTOMER_ID
    assert police.customer_id_check == shown.customer_id_check == "confirmed"
    assert police.locksmith.id_number == "110105198001011234"
    assert masked_copy(police).customer == shown.customer
    sealed = next(f for f in kit.store.files_for_order(ORDER_ID) if f.kind == "form.police_copy")
    assert sealed.sealed


def test_form_is_recorded_once_and_shown_again(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.FORM)
    recorded = kit.flow.recorded_form()
    assert recorded is not None and recorded.order_id == ORDER_ID
    from edge.job.steps import StepRefused

    with pytest.raises(StepRefused):
        kit.flow.make_form()


def test_form_before_completion_is_refused(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.VIDEO_STOPPED)
    from edge.job.steps import StepRefused

    with pytest.raises(StepRefused, match="Not allowed now"):
        kit.flow.make_form()
    assert kit.flow.recorded_form() is None
    preview = kit.flow.form()
    assert preview.masked and preview.fee_fen is None


def test_renderings_in_both_languages(kit: Kit) -> None:
    walk(kit.flow, kit.cam, until=Step.FORM)
    form = kit.flow.recorded_form()
    assert form is not None
    zh, en = render_text(form, "zh_CN"), render_text(form, "en")
    for label in ("开锁登记表", "客户姓名", "证明人", "开锁师傅工号", "锁具类型", "费用（元）", "150.00"):
        assert label in zh
    for label in ("Unlock registration form", "Customer name", "Witness", "Locksmith work number", "Lock type",
                  "Fee (yuan)", "150.00"):
        assert label in en
    page = render_html(form, "en")
    assert page.startswith("<!DOCTYPE html>") and 'lang="en"' in page and "<table>" in page
    assert form.evidence[0].sha256 in page


def test_html_escapes_what_people_typed() -> None:
    from protocol.regform import FormTimes, LocksmithInfo, Person

    form = RegistrationForm(order_id="o1", kit_id="k1", customer=Person(name="<script>x</script>"),
                            locksmith=LocksmithInfo(locksmith_id="l", name="L", work_no="W"),
                            site_address="a & b", lock_type="B", times=FormTimes(), generated_ms=0)
    page = render_html(form, "zh_CN")
    assert "<script>" not in page and "&lt;script&gt;" in page and "a &amp; b" in page
    assert "证明人或民警" in render_text(form, "zh_CN")


def test_masking() -> None:
    assert mask_id_number("110101199003077777") == "1101**********7777"
    assert mask_id_number("") == ""
    assert mask_id_number("12345") == "***45"
    assert mask_mobile("13800138000") == "138****8000"
