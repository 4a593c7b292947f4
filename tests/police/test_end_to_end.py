"""The hub's domain (orders engineer's World) -> police_feed -> forwarder -> export: the whole life of an
order in the export, documents, and the 3-day deadline opening exactly one case across hub restarts."""

from __future__ import annotations

import pytest

from hub.documents import submissions as docs
from hub.forwarding.forwarder import Forwarder
from hub.ingest.mediastore import MediaStore
from hub.police.cases import CaseDesk
from hub.police.notifiers import LogNotifier
from hub.police.query import Query, run_query
from hub.police.service import ExportService
from hub.police.verify import verify_export
from hub.registry.errors import DomainError
from protocol.keys import SigningKey
from protocol.transport.base import Inbound
from tests.hub.test_lifecycle import form
from tests.hub.world import World
from tests.police.photos import scan

DAY = 86_400_000



class Police:
    """Forwarder on the hub side wired in memory to the export service and case desk."""

    def __init__(self, world: World, make_writer, hub_key: SigningKey, media: MediaStore) -> None:
        self.world = world
        self.acks: list[bytes] = []
        self.police_key = SigningKey.generate()
        self.writer = make_writer()
        self.note = LogNotifier()
        self.desk = CaseDesk(self.writer.root, self.writer.index, self.note, world.clock)
        self.service = ExportService(self.writer, ack_key=self.police_key, clock=world.clock,
                                     publish=lambda t, p: self.acks.append(p), cases=self.desk)
        self.hub_key = hub_key
        self.media = media

    def forward(self) -> None:
        fwd = Forwarder(self.world.conn, self.hub_key, self.world.clock, media=self.media,
                        police_key=self.police_key.private.public_key())
        for _ in range(10):
            fwd.pump()
            msgs = fwd.due()
            for _t, payload in msgs:
                self.service.on_message(Inbound("lw/v1/police/records", payload))
            for a in self.acks:
                fwd.on_ack(a)
            self.acks.clear()
            if not msgs:
                break


def complete(world: World, lid: str, order: str) -> None:
    world.job(lid, order).walk(fee_fen=15_000)
    assert world.state(order) == "awaiting_documents"


@pytest.fixture
def setup(tmp_path, make_writer, hub_key, clock):
    world = World(tmp_path / "hub.db", clock)
    media = MediaStore(tmp_path / "media")
    return world, Police(world, make_writer, hub_key, media), media


def test_whole_life_with_documents_is_in_the_export_and_verifies(setup, hub_key):
    world, police, media = setup
    lid = world.locksmith()
    order = form(world, lid)
    complete(world, lid, order)
    photos = [scan(world, media, order, "id card", sender="c-1"), scan(world, media, order, "deed", sender="c-1")]
    early = docs.submit(world.conn, world.clock, order_id=order, media=photos[:1], doc_types=["id_card"],
                        submitted_by="customer:c-1")
    with pytest.raises(DomainError):
        docs.verify(world.conn, world.clock, early, operator="operator:op1")
    docs.reject(world.conn, world.clock, early, operator="operator:op1", reason="deed missing")
    sid = docs.submit(world.conn, world.clock, order_id=order, media=photos, doc_types=["id_card", "property_deed"],
                      submitted_by="customer:c-1", holder_name="张三")
    assert docs.verify(world.conn, world.clock, sid, operator="operator:op1") == "documents_verified"
    police.forward()
    police.writer.close()
    rep = verify_export(police.writer.root, hub_key.private.public_key())
    assert rep.ok and rep.media_checked == 2, rep.problems
    life = [h.kind for h in run_query(_view(police), Query(order=order))]
    for kind in ("order.formed", "order.verified", "order.completed", "documents.submitted", "documents.rejected",
                 "documents.verified"):
        assert kind in life, (kind, life)
    assert not police.desk.cases()


def _view(police: Police):
    from hub.police.query import open_view

    return open_view(police.writer.root)


def test_missed_deadline_opens_exactly_one_case_across_hub_restarts(setup, hub_key):
    world, police, media = setup
    lid = world.locksmith()
    order = form(world, lid)
    complete(world, lid, order)
    world.tick(3 * DAY - 60_000)
    assert world.state(order) == "awaiting_documents"
    police.forward()
    world.reopen()  # hub restarts just before the deadline
    world.tick(120_000)
    world.reopen()  # and just after it
    world.tick(1_000)
    assert world.state(order) == "case_opened"
    police.forward()
    police.forward()
    cases = police.desk.cases()
    assert [c["order_id"] for c in cases] == [order] and len(police.note.sent) == 1
    assert {"order.formed", "order.completed", "documents.overdue"} <= {e["kind"] for e in cases[0]["evidence"]}
    # late documents are still recorded, forwarded and attached to the case
    sid = docs.submit(world.conn, world.clock, order_id=order, media=[scan(world, media, order, "late id")],
                      doc_types=["id_card", "property_deed"], submitted_by="operator:op1")
    docs.verify(world.conn, world.clock, sid, operator="operator:op1")
    police.forward()
    assert [x["kind"] for x in police.desk.cases()[0]["late_documents"]] == ["documents.submitted",
                                                                            "documents.verified"]
    assert len(police.desk.cases()) == 1
    police.writer.close()
    assert verify_export(police.writer.root, hub_key.private.public_key()).ok


def test_summary_counts_what_the_demo_must_show(setup, hub_key):
    from hub.police.summary import summarise

    world, police, media = setup
    lid = world.locksmith()
    order = form(world, lid)
    complete(world, lid, order)
    from hub import police_feed

    police_feed.emit(world.conn, "evidence.media", {"order_id": order, "kit_id": world.kits[lid],
                                                    "media": [{"sha256": media.put(b"video" * 1000),
                                                               "kind": "video.segment"}]}, now_ms=world.clock.now_ms())
    world.tick(3 * DAY + 1000)
    police.forward()
    s = summarise(police.writer.root)
    assert (s.completed_orders, s.completed_with_evidence, s.cases) == (1, 1, 1)


def test_documents_of_someone_else_raise_a_red_warning_in_the_export(setup):
    from hub.police.summary import summarise
    from hub.risk.sweep import sweep

    world, police, media = setup
    lid = world.locksmith()
    order = form(world, lid)
    complete(world, lid, order)
    docs.submit(world.conn, world.clock, order_id=order, media=[scan(world, media, order, "someone else's id", sender="c-1")],
                doc_types=["id_card", "property_deed"], submitted_by="customer:c-1",
                holder_name="王五", holder_id_number="110105198001010011")
    raised = {a.subject: a for a in sweep(world.conn, world.clock)}
    assert raised["customer"].level == "red"
    assert [r.code for r in raised["customer"].reasons] == ["documents_mismatch"]
    # the locksmith's job has no video or photos in the hub's media store: a blue warning, with its reason
    assert raised["locksmith"].level == "blue" and raised["locksmith"].reasons[0].code == "missing_evidence"
    police.forward()
    assert summarise(police.writer.root).warnings == {"red": 1, "blue": 1}
    hit = next(h for h in run_query(_view(police), Query(kind="risk.warning")) if h.data["level"] == "red")
    assert hit.data["reasons"][0]["text"] == "the documents do not match the customer"
