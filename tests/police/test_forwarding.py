from __future__ import annotations

import random

import msgspec
import pytest

from hub import police_feed
from hub.db import open_hub_db
from hub.forwarding.forwarder import Forwarder, ForwardingDiverged
from hub.ingest.mediastore import MediaStore
from hub.police.reader import iter_entries
from hub.police.service import ExportService
from hub.police.verify import verify_export
from protocol.envelope import seal_envelope
from protocol.keys import SigningKey
from protocol.messages.police import PoliceAck
from protocol.transport.base import Inbound


@pytest.fixture
def hub(tmp_path, hub_key, clock, hub_database):
    conn = open_hub_db(hub_database)
    media = MediaStore(tmp_path / "media")
    police = SigningKey.generate()
    return conn, media, police


def _emit_life(conn, media, clock, n_orders=3):
    for i in range(n_orders):
        oid = f"O{i}"
        clock.advance(1000)
        police_feed.emit(conn, "order.requested", {"id": oid, "customer_name": f"客户{i}", "at_ms": clock.now_ms()})
        sha = media.put(f"photo of order {i}".encode() * 5000)
        police_feed.emit(conn, "evidence.media", {"order_id": oid, "media": [{"sha256": sha, "kind": "photo"}],
                                                  "at_ms": clock.now_ms()})
        police_feed.emit(conn, "order.completed", {"id": oid, "at_ms": clock.now_ms()})


def _run(fwd, service, acks, clock, *, drop=0.0, rounds=50, rng=None):
    rng = rng or random.Random(5)
    for _ in range(rounds):
        fwd.pump()
        msgs = fwd.due()
        for _topic, payload in msgs:
            if rng.random() < drop:
                continue  # lost on the way (broker restart, link drop)
            service.on_message(Inbound("lw/v1/police/records", payload))
        for a in acks:
            fwd.on_ack(a)
        acks.clear()
        clock.advance(11_000)
        if not msgs and fwd.backlog() == 0 and drop == 0.0:
            break


def _service(make_writer, clock, police, acks):
    return ExportService(make_writer(), ack_key=police, clock=clock, publish=lambda t, p: acks.append(p))


def test_forwarder_delivers_everything_once_in_order_despite_losses(hub, hub_key, clock, make_writer):
    conn, media, police = hub
    _emit_life(conn, media, clock)
    acks: list[bytes] = []
    service = _service(make_writer, clock, police, acks)
    fwd = Forwarder(conn, hub_key, clock, media=media, police_key=police.private.public_key(), chunk_size=20_000)
    _run(fwd, service, acks, clock, drop=0.3, rounds=40)
    _run(fwd, service, acks, clock)  # the link is good again
    assert fwd.backlog() == 0 and fwd.acked_seq() == 9
    service.writer.close()
    root = service.writer.root
    assert [i.seq for i in iter_entries(root)] == list(range(1, 10))
    assert [i.env["body"]["feed_seq"] for i in iter_entries(root)] == list(range(1, 10))
    rep = verify_export(root, hub_key.private.public_key())
    assert rep.ok and rep.checkpoint_seq == 9 and rep.media_checked == 3, rep.problems


def test_forwarder_resumes_after_hub_restart(hub, hub_key, clock, make_writer, hub_database):
    conn, media, police = hub
    _emit_life(conn, media, clock, 1)
    acks: list[bytes] = []
    service = _service(make_writer, clock, police, acks)
    fwd = Forwarder(conn, hub_key, clock, media=media, police_key=police.private.public_key())
    _run(fwd, service, acks, clock)
    conn.close()
    conn = open_hub_db(hub_database)  # hub restarts
    _emit_life(conn, media, clock, 1)
    fwd = Forwarder(conn, hub_key, clock, media=media, police_key=police.private.public_key())
    _run(fwd, service, acks, clock)
    service.writer.close()
    assert [i.seq for i in iter_entries(service.writer.root)] == list(range(1, 7))
    assert verify_export(service.writer.root, hub_key.private.public_key()).ok


def test_forged_ack_is_ignored_and_diverging_ack_stops(hub, hub_key, clock):
    conn, media, police = hub
    _emit_life(conn, media, clock, 1)
    fwd = Forwarder(conn, hub_key, clock, media=media, police_key=police.private.public_key())
    fwd.pump()

    def ack(key, head):
        return msgspec.json.encode(seal_envelope(key, sender="police", seq=1, ts=clock.now_ms(), type_name="police.ack",
                                                 body=PoliceAck(upto_seq=3, head=head)))

    true_head = conn.execute("SELECT hash FROM police_outbox WHERE seq=3").fetchone()[0]
    assert fwd.on_ack(ack(SigningKey.generate(), true_head)) == 0
    with pytest.raises(ForwardingDiverged):
        fwd.on_ack(ack(police, "0" * 64))
    assert fwd.diverged() and fwd.due() == []  # stopped until a human looks
    assert fwd.on_ack(ack(police, true_head)) == 3


def test_forwarded_records_are_minimised(hub, hub_key, clock):
    conn, media, police = hub
    police_feed.emit(conn, "locksmith.filed", {"id": "ls-1", "name": "李", "quality": 4200, "pos_lat": 39.9,
                                               "nested": {"code_hash": "x", "keep": 1}}, now_ms=clock.now_ms())
    fwd = Forwarder(conn, hub_key, clock, media=media, police_key=police.private.public_key())
    fwd.pump()
    env = msgspec.json.decode(conn.execute("SELECT wire FROM police_outbox").fetchone()[0])
    assert env["body"]["data"] == {"id": "ls-1", "name": "李", "nested": {"keep": 1}}


def test_queued_mode_batches_and_acks_only_durable_messages(make_writer, sealer, clock, hub_key):
    import time

    police = SigningKey.generate()
    acks: list[bytes] = []
    service = ExportService(make_writer(), ack_key=police, clock=clock, publish=lambda t, p: acks.append(p))
    acked: list[tuple[int, int]] = []  # (record seq, writer head when the transport was told)
    msgs = [sealer.record(ts=clock.now_ms(), kind="k", entity_id="e", created_ms=i, data={}) for i in range(300)]
    for env in msgs:
        service.submit(Inbound("lw/v1/police/records", msgspec.json.encode(env),
                               ack=lambda s=env.body["seq"]: acked.append((s, service.writer.head[0]))))
    service.start()
    deadline = time.monotonic() + 30
    while len(acked) < 300 and time.monotonic() < deadline:
        time.sleep(0.01)
    service.stop()
    assert [s for s, _h in acked] == list(range(1, 301))
    assert all(s <= head for s, head in acked)  # never acknowledged before it was written
    assert len(acks) < 300  # one police.ack per batch, not per message
