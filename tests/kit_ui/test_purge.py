"""The customer's personal data on the kit: sealed at rest while the job runs, gone after it.

During the job no file of the kit directory (the SQLite databases, their WAL and shm files, media, anything)
holds the customer's name, mobile number, address, ID number or the witness's in clear (UTF-8 or JSON
escapes), though the kit shows them. Once the hub acknowledged every record and file and the retention
passed, the order's key is shredded: the key itself is in no file any more, the data reads as erased, and
`kit status` says so. Before that, `kit status` lists the order as held, and why."""

from __future__ import annotations

import json
import time
from pathlib import Path

import msgspec
import pytest

from edge.job.purge import held, purge_due, summary
from edge.job.steps import Step
from edge.offers import OfferInbox
from lockwarden.cli import main
from protocol.messages.job import JobOffer
from tests.job.conftest import CUSTOMER_ID, ORDER_ID, order_body
from tests.job.walk import walk
from tests.kit_ui.conftest import UiKit

SECRETS = ("张三", "13800138000", "北京市东城区东长安街1号", "东长安街", CUSTOMER_ID, "王五", "110101198505052222")


def _forms(text: str) -> list[bytes]:
    return [text.encode("utf-8"), json.dumps(text).strip('"').encode("ascii")]  # as written, and \\u-escaped


def _found(kit_dir: Path) -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    for path in kit_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in SECRETS:
                if any(form in data for form in _forms(secret)):
                    hits.setdefault(secret, []).append(str(path.relative_to(kit_dir)))
    return hits


def _in_files(kit_dir: Path, needle: bytes) -> list[str]:
    return [str(p) for p in kit_dir.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_nothing_personal_left_after_ack_and_retention(ui_kit_fake_clock: UiKit,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    kit = ui_kit_fake_clock
    assert kit.clock is not None
    flow, store = kit.service.flow, kit.service.app.store
    store.remember_downlink("01JGZ0000000000000000000DN", "job.order", msgspec.to_builtins(order_body()))
    walk(flow, None, until=Step.VIDEO_RUNNING)
    deadline = time.monotonic() + 60
    while not any(f.kind == "video.segment" for f in store.files_for_order(ORDER_ID)):
        assert time.monotonic() < deadline, "no video segment"
        time.sleep(0.05)
    flow.photo_before(ORDER_ID)
    flow.mark_opened(ORDER_ID)
    flow.photo_after(ORDER_ID)
    flow.stop_video(ORDER_ID)
    flow.complete(15000, True, ORDER_ID)
    flow.make_form(ORDER_ID)
    flow.seal(ORDER_ID)
    assert flow.job(ORDER_ID).order.customer_name == "张三"  # the kit holds it and shows it ...
    assert flow.job(ORDER_ID).order.customer_id_number == CUSTOMER_ID
    assert _found(kit.dir) == {}  # ... but no file has it in clear: sealed at rest with the order's key
    [wrapped] = store.conn.execute("SELECT wrapped FROM order_keys WHERE order_id=?", (ORDER_ID,)).fetchone()
    assert wrapped and _in_files(kit.dir, wrapped.encode())

    [h] = held(flow)
    assert h.order_id == ORDER_ID and h.acknowledged_ms is None  # evidence still waits for the hub
    assert main(["kit", "status", "--dir", str(kit.dir)]) == 0  # says what personal data the kit holds
    status = json.loads(capsys.readouterr().out)
    assert status["personal_data"] == [{"order_id": ORDER_ID, "step": "sealed", "sealed": True,
                                        "evidence_acknowledged_ms": None, "erase_after_ms": None}]
    assert status["personal_data_summary"] == summary(held(flow)) and "1" in status["personal_data_summary"]
    assert purge_due(flow) == []

    # The hub acknowledges everything (what the sync engine does on its acks).
    store.mark_records([r.id for r in store.records_for_order(ORDER_ID)], "stored")
    for f in store.files_for_order(ORDER_ID):
        store.mark_file(f.file_id, "stored")
    [h] = held(flow)
    assert h.erase_after_ms == h.acknowledged_ms + int(flow.settings.personal_retention_s * 1000)
    kit.clock.advance(int(flow.settings.personal_retention_s * 1000) - 1000)
    assert purge_due(flow) == []  # not yet: the retention runs
    kit.clock.advance(2000)
    assert purge_due(flow) == [ORDER_ID]

    assert held(flow) == []
    assert main(["kit", "status", "--dir", str(kit.dir)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["personal_data"] == [] and status["personal_data_summary"] == summary([])
    assert _found(kit.dir) == {}
    assert not _in_files(kit.dir, wrapped.encode())  # the key is shredded: the sealed copies are noise
    view = flow.job(ORDER_ID)  # the job itself is still on the kit: its number and steps
    assert view.order.customer_name == "" and view.step.value == "sealed"


def test_an_offer_never_taken_is_sealed_then_shredded(ui_kit_fake_clock: UiKit) -> None:
    """An offer names the site; refused (or expired, or taken by another locksmith) it never becomes a job
    here, and still goes: sealed on arrival, readable after a restart of the inbox, shredded after the
    retention."""
    kit = ui_kit_fake_clock
    assert kit.clock is not None
    flow, store = kit.service.flow, kit.service.app.store
    offer = JobOffer(offer_id="of-9", order_id="01JGZ0000000000000000000OF", expires_at=kit.clock.now_ms() + 30000,
                     lock_class="B", category="open", site_address="北京市东城区东长安街1号", site_lat=39.9,
                     site_lon=116.4, eta_s=600)
    store.remember_downlink("01JGZ0000000000000000000D9", "job.offer", msgspec.to_builtins(offer))
    assert _found(kit.dir) == {}
    assert OfferInbox(store).offers["of-9"].offer == offer  # opened again as the service reloads it
    [h] = held(flow)
    assert h.step is None and h.erase_after_ms == kit.clock.now_ms() + int(flow.settings.personal_retention_s * 1000)
    kit.clock.advance(int(flow.settings.personal_retention_s * 1000))
    assert purge_due(flow) == [offer.order_id]
    assert held(flow) == [] and OfferInbox(store).offers == {}
    assert store.remember_downlink("01JGZ0000000000000000000D9", "job.offer", {}) is False  # still known
