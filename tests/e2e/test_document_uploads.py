"""R-11 document photos over the real broker: a customer's app uploads to its own media topic, an operator
to theirs (`lockwarden ops documents.submit --photo`); the hub keeps only whole JPEG/PNG photos of the
sender's own order, refuses everything else with a reason the sender is told, and keeps it for inspection."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.db import open_hub_db
from hub.provisioning import provision_principal
from hub.service import HubApp, make_hub, wait_until
from lockwarden.clients.customer import CustomerApp
from lockwarden.clients.party import Party
from lockwarden.clients.upload import UploadRefused
from protocol import topics
from protocol.frame import seal_frame
from protocol.messages.media import MediaBegin
from protocol.transport.paho_mqtt import LinkSettings
from tests.hub.world import World
from tests.police.photos import jpeg

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Desk:
    hub: HubApp
    apps: dict[str, CustomerApp]
    orders: dict[str, str]  # customer -> their order
    operator_dir: Path


@pytest.fixture
def desk(deployment, tmp_path: Path) -> Iterator[Desk]:  # type: ignore[no-untyped-def]
    home = deployment.home
    world = World(home.dir / "hub.db")  # orders nobody took: enough to own documents
    orders = {c: world.request(c) for c in ("cu-a", "cu-b")}
    world.conn.close()
    creds = {c: provision_principal(home, c, "customer", tmp_path / c) for c in orders}
    provision_principal(home, "op1", "operator", tmp_path / "op1")  # World registered op1 at the hub
    deployment.broker.reload()
    hub = make_hub(home.dir)
    hub.start()
    apps: dict[str, CustomerApp] = {}
    try:
        assert wait_until(lambda: hub.transport is not None and hub.transport.connected, 20)
        for c, (key, password) in creds.items():
            apps[c] = CustomerApp(c, key, home.signing_public(), LinkSettings(
                host="127.0.0.1", port=deployment.port, client_id=c, username=c, password=password))
            apps[c].start()
        yield Desk(hub, apps, orders, tmp_path / "op1")
    finally:
        for app in apps.values():
            app.stop()
        hub.stop()


def _db(desk: Desk):  # type: ignore[no-untyped-def]
    return open_hub_db(desk.hub.home.db_path())


def _raw_upload(party: Party, data: bytes, **begin: object) -> dict:  # type: ignore[type-arg]
    """What a careless or hostile app sends: no client-side checks."""
    topic = topics.CUSTOMER_UP_MEDIA.build(customer_id=party.id)
    fields: dict = dict(file_id=f"01JH{os.urandom(11).hex().upper()[:22]}", kind="document",  # type: ignore[type-arg]
                        content_type="image/jpeg", size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                        chunk_size=64 * 1024, chunks=max(1, -(-len(data) // (64 * 1024))), captured_at=1)
    fields.update(begin)
    party.send("media.begin", MediaBegin(**fields), topic=topic)
    for i in range(fields["chunks"]):
        part = data[i * 65536 : (i + 1) * 65536]
        party.publish_wire(topic, seal_frame(party.key, sender=party.id, seq=party.next_seq(), ts=party.clock.now_ms(),
                                             file_id=fields["file_id"], index=i, data=part,
                                             sha256=hashlib.sha256(part).hexdigest()))
    got = party.wait_for(lambda r: r.env.type == "hub.media_ack" and r.env.body["file_id"] == fields["file_id"]
                         and r.env.body["status"] != "partial", 30)
    return dict(got.env.body)


def test_customer_uploads_photos_and_submits_documents(desk: Desk) -> None:
    app, order = desk.apps["cu-a"], desk.orders["cu-a"]
    photos = [jpeg("居民身份证"), jpeg("房产证", size=(1600, 1200))]
    result = app.submit_documents(order, photos, ["id_card", "property_deed"], holder_name="张三")
    assert result.body.ok, result.body  # type: ignore[attr-defined]
    db = _db(desk)
    sub = db.execute("SELECT order_id, submitted_by, media_json FROM document_submissions WHERE id=?",
                     (result.body.ref,)).fetchone()  # type: ignore[attr-defined]
    assert (sub[0], sub[1]) == (order, "customer:cu-a")
    stored = [m["sha256"] for m in json.loads(sub[2])]
    assert stored == [hashlib.sha256(p).hexdigest() for p in photos]
    for sha, photo in zip(stored, photos, strict=True):
        assert desk.hub.ingest.media.read(sha) == photo
    assert db.execute("SELECT COUNT(*) FROM police_feed WHERE kind='documents.submitted'").fetchone()[0] == 1


def test_customer_cannot_upload_for_someone_elses_order(desk: Desk) -> None:
    app = desk.apps["cu-a"]
    with pytest.raises(UploadRefused) as refused:
        app.upload_document(jpeg("id"), desk.orders["cu-b"])
    assert "is not cu-a's" in refused.value.detail
    row = _db(desk).execute("SELECT reason, detail, raw FROM quarantine WHERE sender='cu-a'").fetchone()
    assert row[0] == "bad_file" and "is not cu-a's" in row[1] and b"media.begin" in row[2]


def test_a_truncated_photo_is_refused_and_set_aside(desk: Desk) -> None:
    app, order = desk.apps["cu-a"], desk.orders["cu-a"]
    whole = jpeg("deed", size=(1200, 900))
    cut = whole[: len(whole) * 2 // 3]
    ack = _raw_upload(app, cut, order_id=order)
    assert ack["status"] == "rejected" and "truncated" in ack["detail"], ack
    db = _db(desk)
    assert db.execute("SELECT status FROM media_files WHERE file_id=?", (ack["file_id"],)).fetchone()[0] == "rejected"
    assert db.execute("SELECT COUNT(*) FROM quarantine WHERE msg_id=? AND reason='bad_file'",
                      (ack["file_id"],)).fetchone()[0] == 1
    aside = list((desk.hub.ingest.media.rejected).glob(f"{ack['file_id']}.*"))
    assert [p.read_bytes() for p in aside] == [cut]  # kept for inspection, not in the content store
    assert not desk.hub.ingest.media.has(hashlib.sha256(cut).hexdigest())
    # naming it in a submission is refused: it never reached the hub as a photo
    result = app.send("customer.documents", {"order_id": order, "doc_types": ["id_card"],
                                             "media": [hashlib.sha256(cut).hexdigest()]})
    answer = app.wait_for(lambda r: r.env.type == "customer.request_result" and r.body.ref == result)  # type: ignore[attr-defined]
    assert not answer.body.ok  # type: ignore[attr-defined]
    assert hashlib.sha256(cut).hexdigest()[:12] in answer.body.errors[0].message  # type: ignore[attr-defined]


@pytest.mark.parametrize(("begin", "reason", "detail"), [
    ({"kind": "video.segment"}, "bad_file", "only kind 'document'"),
    ({"content_type": "application/pdf"}, "bad_file", "is not one of"),
    ({"size": 64 * 1024 * 1024, "chunks": 1024}, "oversized", "for an uploaded photo"),
    ({"order_id": None}, "bad_file", "names its order"),
])
def test_uploads_outside_the_rules_are_refused_with_the_reason(desk: Desk, begin: dict, reason: str,  # type: ignore[type-arg]
                                                             detail: str) -> None:
    app = desk.apps["cu-b"]
    fields = {"order_id": desk.orders["cu-b"], **begin}
    data = jpeg("x")
    topic = topics.CUSTOMER_UP_MEDIA.build(customer_id=app.id)
    body = MediaBegin(file_id=f"01JH{os.urandom(11).hex().upper()[:22]}", content_type=fields.pop("content_type", "image/jpeg"),
                      kind=fields.pop("kind", "document"), size=fields.pop("size", len(data)),
                      sha256=hashlib.sha256(data).hexdigest(), chunk_size=65536, chunks=fields.pop("chunks", 1),
                      captured_at=1, order_id=fields.pop("order_id"))
    app.send("media.begin", body, topic=topic)
    got = app.wait_for(lambda r: r.env.type == "hub.media_ack" and r.env.body["file_id"] == body.file_id, 30)
    assert got.env.body["status"] == "rejected" and detail in got.env.body["detail"]
    row = _db(desk).execute("SELECT reason FROM quarantine WHERE sender='cu-b' ORDER BY rowid DESC").fetchone()
    assert row[0] == reason


def test_operator_scans_at_the_counter_with_the_ops_cli(desk: Desk, tmp_path: Path) -> None:
    order = desk.orders["cu-b"]
    pages = []
    for n, text in enumerate(("ID card", "vehicle licence")):
        pages += ["--photo", str(tmp_path / f"page{n}.jpg")]
        (tmp_path / f"page{n}.jpg").write_bytes(jpeg(text))
    env = dict(os.environ, PYTHONPATH=str(ROOT), LOCKWARDEN_LANG="en")
    proc = subprocess.run([sys.executable, "-m", "lockwarden", "ops", "--config", str(desk.operator_dir / "operator.toml"),
                           "documents.submit", "--order-id", order, "--doc-types", '["id_card", "vehicle_licence"]',
                           *pages], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    sid = json.loads(proc.stdout)["result"]["submission_id"]
    db = _db(desk)
    refs = json.loads(db.execute("SELECT media_json FROM document_submissions WHERE id=?", (sid,)).fetchone()[0])
    assert [m["sha256"] for m in refs] == [hashlib.sha256((tmp_path / f"page{n}.jpg").read_bytes()).hexdigest()
                                           for n in range(2)]
    senders = {r[0] for r in db.execute("SELECT sender FROM media_files WHERE order_id=? AND kind='document'", (order,))}
    assert senders == {"op1"}
    # a corrupt scan is refused by the CLI before anything is sent
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    bad = subprocess.run([sys.executable, "-m", "lockwarden", "ops", "--config", str(desk.operator_dir / "operator.toml"),
                          "documents.submit", "--order-id", order, "--doc-types", '["id_card"]', "--photo",
                          str(tmp_path / "bad.jpg")], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1 and "refused the photo" in bad.stderr


def test_request_and_filing_photos_travel_first_and_belong_to_their_sender(desk: Desk) -> None:
    from lockwarden.demo.city import request_body
    from lockwarden.demo.photos import request_photos

    a, b = desk.apps["cu-a"], desk.apps["cu-b"]
    # cu-b names photos only cu-a sent: refused field by field
    for photo in request_photos(7).values():
        a.upload_id_photo(photo)
    refused = b.request(request_body(7, "eta"))
    assert not refused.body.ok  # type: ignore[attr-defined]
    assert {e.field for e in refused.body.errors} == {"customer_id_image_sha256", "witness.id_image_sha256"}  # type: ignore[attr-defined]
    accepted = a.request(request_body(7, "eta"))
    assert accepted.body.ok, accepted.body.errors  # type: ignore[attr-defined]
    # a customer cannot send filing images; the ack says why
    with pytest.raises(UploadRefused) as kind:
        from lockwarden.clients.upload import upload_photo

        upload_photo(a, topics.CUSTOMER_UP_MEDIA.build(customer_id="cu-a"), jpeg("me"), order_id=None, kind="registry")
    assert "only kind 'document' or 'identity'" in kind.value.detail


def test_a_filing_names_images_the_hub_holds(desk: Desk, tmp_path: Path) -> None:
    from lockwarden.clients.operator import open_ops_client
    from lockwarden.demo.city import credit_code

    ops = open_ops_client(desk.operator_dir / "operator.toml")
    try:
        unit = {"name": "安心开锁", "address": "北京市东城区", "uscc": credit_code(3), "legal_rep_name": "钱志远",
                "legal_rep_id": "11010519491231002X", "filing_receipt_no": "R-3"}
        missing = ops.call("unit.file", {**unit, "filing_receipt_sha256": hashlib.sha256(b"never sent").hexdigest()})
        assert not missing["ok"] and [e["field"] for e in missing["errors"]] == ["filing_receipt_sha256"]
        receipt = ops.upload(jpeg("filing receipt"), kind="registry")
        filed = ops.call("unit.file", {**unit, "filing_receipt_sha256": receipt})
        assert filed["ok"], filed
        assert desk.hub.ingest.media.read(receipt) == jpeg("filing receipt")
    finally:
        ops.stop()


def test_ops_upload_prints_the_hashes_a_filing_names(desk: Desk, tmp_path: Path) -> None:
    (tmp_path / "id.jpg").write_bytes(jpeg("locksmith ID"))
    (tmp_path / "cert.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)  # a broken PNG
    env = dict(os.environ, PYTHONPATH=str(ROOT), LOCKWARDEN_LANG="en")
    base = [sys.executable, "-m", "lockwarden", "ops", "--config", str(desk.operator_dir / "operator.toml"), "upload",
            "--kind", "registry"]
    ok = subprocess.run([*base, str(tmp_path / "id.jpg")], capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.split()[0] == hashlib.sha256((tmp_path / "id.jpg").read_bytes()).hexdigest()
    bad = subprocess.run([*base, str(tmp_path / "cert.png")], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1 and "cert.png" in bad.stderr and "PNG" in bad.stderr


def _announce(app: CustomerApp, order: str, data: bytes) -> dict:  # type: ignore[type-arg]
    topic = topics.CUSTOMER_UP_MEDIA.build(customer_id=app.id)
    body = MediaBegin(file_id=f"01JH{os.urandom(11).hex().upper()[:22]}", kind="document", content_type="image/jpeg",
                      size=len(data), sha256=hashlib.sha256(data).hexdigest(), chunk_size=65536,
                      chunks=max(1, -(-len(data) // 65536)), captured_at=app.clock.now_ms(), order_id=order)
    app.send("media.begin", body, topic=topic)
    got = app.wait_for(lambda r: r.env.type == "hub.media_ack" and r.env.body["file_id"] == body.file_id, 30)
    return dict(got.env.body)


def test_cancel_frees_a_place_among_the_open_uploads(desk: Desk) -> None:
    """Eight announced uploads the hub never completed would block the customer for good: `media.cancel`
    (docs/mqtt.md, the media protocol) withdraws one, and the next upload is accepted."""
    from lockwarden.clients.upload import cancel_upload
    from protocol.messages.media import MediaCancel

    app, order = desk.apps["cu-a"], desk.orders["cu-a"]
    topic = topics.CUSTOMER_UP_MEDIA.build(customer_id=app.id)
    opened = [_announce(app, order, jpeg(f"page {n}")) for n in range(8)]
    assert {a["status"] for a in opened} == {"partial"}
    ninth = _announce(app, order, jpeg("page 9"))
    assert ninth["status"] == "rejected" and "still incomplete" in ninth["detail"], ninth
    cancel_upload(app, topic, opened[0]["file_id"], "took the photo again")
    got = app.wait_for(lambda r: r.env.type == "hub.media_ack" and r.env.body["file_id"] == opened[0]["file_id"]
                       and r.env.body["status"] == "cancelled", 30)
    assert got.env.body["detail"] == "took the photo again"
    assert _announce(app, order, jpeg("page 10"))["status"] == "partial"
    # Nobody cancels another sender's upload: refused and kept with the reason.
    other = desk.apps["cu-b"]
    other.send("media.cancel", MediaCancel(file_id=opened[1]["file_id"]),
               topic=topics.CUSTOMER_UP_MEDIA.build(customer_id=other.id))
    assert wait_until(lambda: _db(desk).execute(
        "SELECT detail FROM quarantine WHERE sender='cu-b' AND reason='bad_file' AND detail LIKE 'no upload %'"
    ).fetchone() is not None, 30)
    assert _db(desk).execute("SELECT status FROM media_files WHERE file_id=?",
                             (opened[1]["file_id"],)).fetchone()[0] == "partial"


def test_ts_in_seconds_is_refused(desk: Desk) -> None:
    app = desk.apps["cu-b"]
    data = jpeg("x")
    topic = topics.CUSTOMER_UP_MEDIA.build(customer_id=app.id)
    seconds = app.clock.now_ms() // 1000
    app.publish_wire(topic, seal_frame(app.key, sender=app.id, seq=app.next_seq(), ts=seconds,
                                       file_id="01JH0000000000000000000000", index=0, data=data,
                                       sha256=hashlib.sha256(data).hexdigest()))
    assert wait_until(lambda: _db(desk).execute(
        "SELECT detail FROM quarantine WHERE sender='cu-b' AND reason='malformed'").fetchone() is not None, 30)
    detail = _db(desk).execute("SELECT detail FROM quarantine WHERE sender='cu-b' AND reason='malformed'").fetchone()[0]
    assert detail == f"ts {seconds} is not milliseconds since 1970 (seconds?)"
