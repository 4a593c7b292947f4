"""Police completeness (issue 13): request ID images and filing images reach the police sealed to their key
and open with `police-open`; a red warning reaches the duty desk through the case notifier; `--person`
follows a person's orders; every query and opening is in the export's hash-chained access log, which
`police-verify` checks."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from hub import police_feed
from hub.forwarding.forwarder import Forwarder
from hub.police import access_log
from hub.police.cases import CaseDesk
from hub.police.notifiers import notifier_from_spec
from hub.police.person import find_person
from hub.police.query import open_view
from hub.police.service import ExportService
from hub.risk.sweep import sweep
from lockwarden.cli import main
from protocol.keys import SealingKey, SigningKey, write_private
from protocol.transport.base import Inbound
from tests.hub.test_lifecycle import form
from tests.hub.world import World, resident_id
from tests.images import ID_PHOTO
from tests.police.test_end_to_end import complete

CUSTOMER_ID = resident_id(501, "19900101")  # World's customer
WITNESS_ID = resident_id(502, "19850101")


class Station:
    """The hub's forwarder (with the police sealing key) wired in memory to the export and its duty desk,
    whose notifier is the real command notifier appending each notification to `desk.jsonl`."""

    def __init__(self, world: World, tmp_path: Path, make_writer, hub_key: SigningKey) -> None:
        self.world = world
        self.sealing = SealingKey.generate()
        self.key_file = tmp_path / "police_sealing.key"
        write_private(self.key_file, self.sealing.to_b64())
        self.signing = SigningKey.generate()
        self.writer = make_writer()
        self.desk_file = tmp_path / "desk.jsonl"
        notifier = notifier_from_spec(f"command:sh -c {shlex.quote(f'cat >> {self.desk_file}; echo >> {self.desk_file}')}")
        self.desk = CaseDesk(self.writer.root, self.writer.index, notifier, world.clock)
        self.acks: list[bytes] = []
        self.service = ExportService(self.writer, ack_key=self.signing, clock=world.clock,
                                     publish=lambda t, p: self.acks.append(p), cases=self.desk)
        self.fwd = Forwarder(world.conn, hub_key, world.clock, media=world.media,
                             police_key=self.signing.private.public_key(),
                             police_sealing=self.sealing.private.public_key())
        self.hub_key = hub_key

    @property
    def root(self) -> Path:
        return self.writer.root

    def forward(self) -> None:
        for _ in range(20):
            self.fwd.pump()
            msgs = self.fwd.due()
            for _t, payload in msgs:
                self.service.on_message(Inbound("lw/v1/police/records", payload))
            for a in self.acks:
                self.fwd.on_ack(a)
            self.acks.clear()
            if not msgs:
                break
        assert self.fwd.backlog() == 0

    def notified(self) -> list[dict]:
        text = self.desk_file.read_text() if self.desk_file.exists() else ""
        return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def station(tmp_path, make_writer, hub_key, clock) -> Station:
    return Station(World(tmp_path / "hub.db", clock), tmp_path, make_writer, hub_key)


def _access(root: Path) -> list[dict]:
    return [json.loads(line) for line in (root / "access.jsonl").read_text().splitlines()]


def test_request_and_filing_images_open_with_the_police_key_and_each_opening_is_logged(station, tmp_path, capsys):
    world = station.world
    lid = world.locksmith()
    order = form(world, lid)
    station.forward()
    requested = [json.loads(r["data_json"]) for r in station.writer.index.execute(
        "SELECT data_json FROM entries WHERE kind='order.requested'")]
    sealed = requested[0]["media"]
    assert {m["kind"] for m in sealed} == {"request.customer_id_image", "request.witness.id_image"}
    named = requested[0]["request"]["customer_id_image_sha256"]
    assert all(m["sealed_for"] == "police" and m["copy_of"] == named != m["sha256"] for m in sealed)
    # what rests in the export is sealed: not the photo's bytes
    blob = (station.root / "media" / sealed[0]["sha256"][:2] / sealed[0]["sha256"]).read_bytes()
    assert ID_PHOTO not in blob and blob[:4] == b"LWS1"

    out = tmp_path / "opened"
    assert main(["--lang", "en", "police-open", str(station.root), "--order", order, "--key", str(station.key_file), "--out", str(out),
                 "--officer", "警官 王五"]) == 0
    opened = sorted(out.iterdir())
    assert [p.name.split("-")[0] for p in opened] == ["request.customer_id_image", "request.witness.id_image"]
    assert all(p.read_bytes() == ID_PHOTO for p in opened)
    # the locksmith's filing images (ID card, certificate, portrait) open the same way
    filed = tmp_path / "filed"
    assert main(["--lang", "en", "police-open", str(station.root), "--locksmith", lid, "--key", str(station.key_file),
                 "--out", str(filed)]) == 0
    assert {p.name.split("-")[0] for p in filed.iterdir()} == {"id_image", "cert_image", "photo"}
    # the wrong key opens nothing, and that attempt too is in the log
    wrong = tmp_path / "wrong.key"
    write_private(wrong, SealingKey.generate().to_b64())
    capsys.readouterr()
    assert main(["--lang", "en", "police-open", str(station.root), "--order", order, "--key", str(wrong),
                 "--out", str(tmp_path / "x")]) == 1
    assert "cannot be opened with this key" in capsys.readouterr().out and not list((tmp_path / "x").iterdir())
    log = _access(station.root)
    assert [(e["entry"]["action"], e["entry"]["what"].get("order") or e["entry"]["what"].get("locksmith"),
             e["entry"]["results"]) for e in log] == [("open", order, 2), ("open", lid, 3), ("open", order, 2)]
    assert log[0]["entry"]["officer"] == "警官 王五" and log[1]["entry"]["officer"] == log[1]["entry"]["os_user"]
    capsys.readouterr()


def test_without_a_police_key_images_are_withheld_and_named(tmp_path, make_writer, hub_key, clock):
    world = World(tmp_path / "hub.db", clock)
    world.locksmith()
    world.request()
    station = Station(world, tmp_path, make_writer, hub_key)
    station.fwd.police_sealing = None
    station.forward()
    data = json.loads(station.writer.index.execute(
        "SELECT data_json FROM entries WHERE kind='order.requested'").fetchone()[0])
    assert "media" not in data and data["sealed_withheld"] == [data["request"]["customer_id_image_sha256"]]


def test_person_finds_the_orders_through_the_customers_id_number(station, capsys):
    world = station.world
    lid = world.locksmith()
    order = form(world, lid)
    complete(world, lid, order)
    other = world.request("c-2")  # the same person (World's customer) from another account
    world.conn.execute("UPDATE orders SET request_json=json_set(request_json, '$.customer_id_number', ?) WHERE id=?",
                       (resident_id(777), other))
    station.forward()
    person = find_person(open_view(station.root), CUSTOMER_ID.lower())
    assert set(person.orders) == {order, other}
    kinds = {h.kind for h in person.hits if h.order_id == order}
    # records naming only the order (formed, completed, evidence...) are found through the order
    assert {"order.requested", "order.formed", "order.completed"} <= kinds
    assert {person.via[h.seq] for h in person.hits if h.kind == "order.completed"} == {"order"}
    # a witness is a person too: the order she witnessed (the other request names another customer)
    assert set(find_person(open_view(station.root), WITNESS_ID).orders) == {order, other}
    assert find_person(open_view(station.root), resident_id(999)).hits == []  # an unknown number: nothing
    # a locksmith's ID number finds his filing and, through it, his jobs
    filed = world.conn.execute("SELECT resident_id FROM locksmiths WHERE id=?", (lid,)).fetchone()[0]
    smith = find_person(open_view(station.root), filed)
    assert smith.locksmiths == [lid] and order in smith.orders
    # the command line: logged first, then answered
    assert main(["--lang", "en", "police-query", str(station.root), "--person", CUSTOMER_ID, "--officer", "duty-7"]) == 0
    printed = capsys.readouterr().out
    assert f"person {CUSTOMER_ID}: 2 orders" in printed and "[of their order] order completed; order " in printed
    [entry] = _access(station.root)
    assert entry["entry"]["what"] == {"person": CUSTOMER_ID, "limit": 200} and entry["entry"]["officer"] == "duty-7"
    assert entry["entry"]["results"] == len(person.hits)


def _night_orders(world: World, n: int) -> None:
    for i in range(n):
        o = world.request(f"c-{i}")
        # 2026-01-01 00:00 UTC is 08:00 in Beijing: 23:00 local, each at another address
        world.conn.execute("UPDATE orders SET created_ms=?, site_address=? WHERE id=?",
                           (1_767_225_600_000 + 15 * 3_600_000, f"北京市东城区某路{i}号", o))


def test_a_red_warning_alerts_the_duty_desk_once(station):
    world = station.world
    world.locksmith()
    _night_orders(world, 4)
    assert [(a.subject, a.level) for a in sweep(world.conn, world.clock)] == [("customer", "red")]
    station.forward()
    [alert] = station.notified()
    assert alert["kind"] == "risk.warning" and alert["level"] == "red" and alert["case_id"].startswith("WARN-")
    assert alert["subject_id"] == CUSTOMER_ID and "red risk warning for a customer" in alert["reason"]
    assert {r["code"] for r in alert["reasons"]} >= {"many_addresses"}
    station.desk.scan()
    station.desk.close()
    desk = CaseDesk(station.root, station.writer.index, notifier_from_spec("log"), world.clock)  # restart
    desk.scan()
    assert len(station.notified()) == 1 and desk.alerts()[0]["notified_ms"] is not None


def test_yellow_alerts_only_when_the_desk_asks_for_it(tmp_path, station):
    from hub.forwarding.sealer import ChainSealer, wire
    from hub.police.notifiers import LogNotifier

    w, clock = station.writer, station.world.clock
    sealer = ChainSealer(station.hub_key)

    def warn(level: str, before: str) -> None:
        w.append(wire(sealer.record(ts=clock.now_ms(), kind="risk.warning", entity_id="locksmith:ls-7",
                                    created_ms=clock.now_ms(), data={"subject": "locksmith", "locksmith_id": "ls-7",
                                                                     "level": level, "previous_level": before,
                                                                     "reasons": []})))

    red_only, yellow = LogNotifier(), LogNotifier()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()

    def scan() -> None:
        for folder, note, level in (("a", red_only, "red"), ("b", yellow, "yellow")):
            desk = CaseDesk(tmp_path / folder, w.index, note, clock, alert_level=level)
            desk.scan()
            desk.close()

    warn("yellow", "none")
    scan()
    assert red_only.sent == [] and [a["level"] for a in yellow.sent] == ["yellow"]
    warn("red", "yellow")  # still above yellow: not again for the yellow desk; the red desk hears now
    warn("red", "red")  # reasons changed only: nobody is woken twice
    scan()
    assert [a["level"] for a in red_only.sent] == ["red"] and [a["level"] for a in yellow.sent] == ["yellow"]
    assert red_only.sent[0]["subject_id"] == "ls-7" and red_only.sent[0]["order_id"] == ""


def _verify(root: Path, hub_key_file: Path, capsys) -> dict:
    capsys.readouterr()
    code = main(["--lang", "en", "police-verify", str(root), "--hub-key", str(hub_key_file), "--json"])
    rep = json.loads(capsys.readouterr().out)
    assert code == (0 if rep["ok"] else 1)
    return rep


def test_the_access_log_verifies_and_tampering_is_reported(station, tmp_path, capsys):
    world = station.world
    lid = world.locksmith()
    order = form(world, lid)
    station.forward()
    station.writer.write_manifest()
    for argv in (["--person", CUSTOMER_ID], ["--order", order], ["--kind", "order.formed", "--csv",
                                                                   str(tmp_path / "all.csv")]):
        assert main(["--lang", "en", "police-query", str(station.root), *argv, "--officer", "duty-7"]) == 0
    hub_pub = tmp_path / "hub.pub"
    hub_pub.write_text(station.hub_key.public_b64())
    rep = _verify(station.root, hub_pub, capsys)
    assert rep["ok"] and rep["access_entries"] == 3
    assert access_log.check(station.root).entries == 3
    assert json.loads((station.root / "access.jsonl").read_text().splitlines()[2])["entry"]["what"] == {
        "kind": "order.formed", "csv": str(tmp_path / "all.csv"), "limit": 200}
    assert rep["access_head"] == access_log.check(station.root).head != "0" * 64
    path = station.root / "access.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # someone rewrites who asked
    path.write_text("".join([lines[0], lines[1].replace("duty-7", "nobody"), lines[2]]), encoding="utf-8")
    rep = _verify(station.root, hub_pub, capsys)
    assert not rep["ok"] and [p["code"] for p in rep["problems"]] == ["access_edited"]
    assert rep["problems"][0]["line"] == 2
    # someone deletes the line instead
    path.write_text("".join([lines[0], lines[2]]), encoding="utf-8")
    rep = _verify(station.root, hub_pub, capsys)
    assert {p["code"] for p in rep["problems"]} == {"access_order", "access_chain"}
    # the text report says so too
    path.write_text("".join(lines), encoding="utf-8")
    assert main(["--lang", "en", "police-verify", str(station.root), "--hub-key", str(hub_pub)]) == 0
    assert "access log: 3 searches and openings, its hash chain intact" in capsys.readouterr().out


def test_consoles_get_customer_id_numbers_masked_and_open_them_by_ref(tmp_path, clock):
    world = World(tmp_path / "hub.db", clock)
    world.locksmith()
    _night_orders(world, 4)
    sweep(world.conn, world.clock)
    [warning] = world.ops("risk.list", {"level": "red"})["result"]["warnings"]
    masked = "*" * 14 + CUSTOMER_ID[-4:]
    assert warning["subject_id"] == masked and CUSTOMER_ID not in json.dumps(world.ops("risk.list", {}))
    [item] = [i for i in world.ops("attention.list", {})["result"] if i["kind"] == "warning.red"]
    assert item["subject_id"] == masked
    opened = world.ops("id.open", {"subject": "customer_warning", "ref": warning["ref"], "reason": "case 12"})
    assert opened["result"] == {"id_number": CUSTOMER_ID}
    [logged] = world.ops("id.openings", {})["result"]
    assert (logged["subject"], logged["ref"], logged["reason"]) == ("customer_warning", masked, "case 12")


def test_sealing_is_spread_over_ticks(station):
    from hub.forwarding.forwarder import IMAGES_PER_PUMP

    world = station.world
    world.locksmith()
    for i in range(IMAGES_PER_PUMP // 2 + 2):  # two ID images per request
        world.request(f"c-{i}")
    pending = len(police_feed.since(world.conn, 0, 10_000))
    first = station.fwd.pump()
    assert 0 < first < pending
    assert first + station.fwd.pump() == pending
    station.forward()
    sealed = [m for r in station.writer.index.execute("SELECT data_json FROM entries WHERE kind='order.requested'")
              for m in json.loads(r[0]).get("media", [])]
    assert len(sealed) == 2 * (IMAGES_PER_PUMP // 2 + 2)
