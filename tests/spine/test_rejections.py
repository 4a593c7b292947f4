"""Forged, replayed, altered and malformed messages are refused, quarantined with their reason, and the
hub keeps serving. Injected through the real broker; where the broker's ACL already stops a forgery,
the test shows that too, then injects with a test account holding the hub's broker rights to prove the hub's
second check."""

from __future__ import annotations

import base64
import hashlib
import json
import time

import msgspec
import pytest

from edge.app import make_kit
from hub.service import make_hub
from protocol import topics
from protocol.envelope import Envelope, seal_envelope
from protocol.frame import seal_frame
from protocol.keys import SigningKey, b64
from protocol.messages.media import MediaBegin, MediaChunk
from tests.spine.helpers import kit_password, poll, publish, raw_client, wait_hub_online


@pytest.fixture
def running(deployment):  # type: ignore[no-untyped-def]
    hub = make_hub(deployment.home.dir)
    hub.start()
    wait_hub_online(deployment.port, deployment.probes["probe-watch"])
    kit_a = make_kit(deployment.kits["kit-a"], connect=False)
    kit_b = make_kit(deployment.kits["kit-b"], connect=False)
    inject = raw_client(deployment.port, "probe", deployment.probes["probe"], "probe")
    try:
        yield deployment, hub, kit_a, kit_b, inject
    finally:
        inject.loop_stop()
        inject.disconnect()
        kit_a.store.close()
        kit_b.store.close()
        hub.stop()


def _reasons(hub) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(r[0], r[1]) for r in hub.conn.execute("SELECT reason, detail FROM quarantine ORDER BY n")]


def _wait_reason(hub, reason: str) -> str:  # type: ignore[no-untyped-def]
    assert poll(lambda: any(r == reason for r, _ in _reasons(hub)), 20), _reasons(hub)
    return next(d for r, d in _reasons(hub) if r == reason)


def _record_wire(kit, kind: str = "test.note") -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    rec = kit.store.add_record(kind, {"x": 1})
    row = kit.store.conn.execute("SELECT wire FROM records WHERE id=?", (rec.id,)).fetchone()
    return rec.id, bytes(row[0])


def _still_serving(dep, hub, kit) -> None:  # type: ignore[no-untyped-def]
    msg_id, wire = _record_wire(kit, "after.attack")
    c = raw_client(dep.port, kit.settings.kit_id, kit_password(dep.kits[kit.settings.kit_id]), kit.settings.kit_id)
    publish(c, topics.KIT_UP_RECORD.build(kit_id=kit.settings.kit_id), wire)
    c.disconnect()
    assert poll(lambda: hub.conn.execute("SELECT 1 FROM kit_records WHERE id=?", (msg_id,)).fetchone() is not None, 20)


def test_another_kits_topic_is_refused_by_broker_acl_and_by_hub(running) -> None:  # type: ignore[no-untyped-def]
    dep, hub, kit_a, kit_b, inject = running
    msg_id, wire = _record_wire(kit_b)
    # kit-b's own broker account cannot even publish under kit-a: the ACL drops it.
    c = raw_client(dep.port, "kit-b", kit_password(dep.kits["kit-b"]), "kit-b-rogue")
    publish(c, topics.KIT_UP_RECORD.build(kit_id="kit-a"), wire)
    c.disconnect()
    # A message signed by kit-b, put on kit-a's topic past the ACL, is refused by the hub.
    publish(inject, topics.KIT_UP_RECORD.build(kit_id="kit-a"), wire)
    detail = _wait_reason(hub, "wrong_sender_for_topic")
    assert "kit-b" in detail
    assert hub.conn.execute("SELECT COUNT(*) FROM kit_records WHERE id=?", (msg_id,)).fetchone()[0] == 0
    assert [r for r, _ in _reasons(hub)] == ["wrong_sender_for_topic"]  # the ACL-dropped copy never arrived
    _still_serving(dep, hub, kit_a)


@pytest.mark.parametrize("deployment", ["sqlite", "postgresql"], indirect=True)
def test_replays(running) -> None:  # type: ignore[no-untyped-def]
    dep, hub, kit_a, _kit_b, inject = running
    topic = topics.KIT_UP_RECORD.build(kit_id="kit-a")
    msg_id, wire = _record_wire(kit_a)
    publish(inject, topic, wire)
    assert poll(lambda: hub.conn.execute("SELECT 1 FROM kit_records WHERE id=?", (msg_id,)).fetchone() is not None)
    # Verbatim replay: acknowledged again (it may be a redelivery), never stored or processed twice.
    publish(inject, topic, wire)
    assert poll(lambda: hub.conn.execute("SELECT value FROM ingest_stats WHERE name='duplicates'").fetchone() is not None)
    assert hub.conn.execute("SELECT COUNT(*) FROM kit_records WHERE id=?", (msg_id,)).fetchone()[0] == 1
    # The same sequence number under a new id (a replayed counter) is a replay.
    env = msgspec.json.decode(wire, type=Envelope)
    forged = seal_envelope(kit_a.store.identity.key, sender="kit-a", seq=env.seq, ts=env.ts, type_name="kit.record",
                           body=env.body)
    publish(inject, topic, forged.to_wire())
    assert "already used" in _wait_reason(hub, "replay")
    _still_serving(dep, hub, kit_a)


@pytest.mark.parametrize("deployment", ["sqlite", "postgresql"], indirect=True)
def test_bad_signature_malformed_unknown_type(running) -> None:  # type: ignore[no-untyped-def]
    dep, hub, kit_a, _kit_b, inject = running
    topic = topics.KIT_UP_RECORD.build(kit_id="kit-a")
    _msg_id, wire = _record_wire(kit_a)
    altered = json.loads(wire)
    altered["body"]["data"]["x"] = 2
    publish(inject, topic, json.dumps(altered).encode())
    _wait_reason(hub, "bad_signature")
    forger = SigningKey.generate()  # a key the hub never registered, claiming to be kit-a
    fake = seal_envelope(forger, sender="kit-a", seq=10**9, ts=int(time.time() * 1000), type_name="kit.record",
                         body={"kind": "x", "captured_at": 0, "data": {}})
    publish(inject, topic, fake.to_wire())
    assert poll(lambda: [r for r, _ in _reasons(hub)].count("bad_signature") == 2)
    publish(inject, topic, b'{"v":1,"id":')
    _wait_reason(hub, "malformed")
    unknown = Envelope(v=1, id=fake.id[:-1] + "Z", sender="kit-a", seq=10**9 + 1, ts=int(time.time() * 1000), type="kit.teleport", body={})
    unknown = msgspec.structs.replace(unknown, sig=b64(kit_a.store.identity.key.sign(unknown.signing_bytes())))
    publish(inject, topic, unknown.to_wire())
    _wait_reason(hub, "unknown_type")
    _still_serving(dep, hub, kit_a)


@pytest.mark.parametrize("deployment", ["sqlite", "postgresql"], indirect=True)
def test_chunk_with_wrong_hash_is_quarantined_and_file_stays_incomplete(running) -> None:  # type: ignore[no-untyped-def]
    dep, hub, kit_a, _kit_b, inject = running
    topic = topics.KIT_UP_MEDIA.build(kit_id="kit-a")
    key = kit_a.store.identity.key
    data = b"evidence" * 1000
    begin = MediaBegin(file_id="01JGZ0000000000000000000FF", kind="photo.lock_before", content_type="image/jpeg",
                       size=len(data), sha256=hashlib.sha256(data).hexdigest(), chunk_size=len(data), chunks=1,
                       captured_at=1)
    seq = 5_000_000
    publish(inject, topic, seal_envelope(key, sender="kit-a", seq=seq, ts=int(time.time() * 1000), type_name="media.begin", body=begin).to_wire())
    # bytes that are not what the header signs: stored unchecked as part of the file's running hash, found when
    # the file's hash fails, then dropped
    corrupt = b"Evidence" + data[8:]
    bad = MediaChunk(file_id=begin.file_id, index=0, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                     data=base64.b64encode(corrupt).decode())
    publish(inject, topic, seal_envelope(key, sender="kit-a", seq=seq + 1, ts=int(time.time() * 1000), type_name="media.chunk", body=bad).to_wire())
    assert "does not match" in _wait_reason(hub, "bad_chunk")
    assert hub.conn.execute("SELECT status FROM media_files WHERE file_id=?", (begin.file_id,)).fetchone()[0] == "partial"
    good = msgspec.structs.replace(bad, data=base64.b64encode(data).decode())
    publish(inject, topic, seal_envelope(key, sender="kit-a", seq=seq + 2, ts=int(time.time() * 1000), type_name="media.chunk", body=good).to_wire())
    assert poll(lambda: hub.conn.execute("SELECT status FROM media_files WHERE file_id=?",
                                         (begin.file_id,)).fetchone()[0] == "complete")
    # contract-1 chunks (base64 in JSON) are still stored, and counted for the operators
    assert hub.conn.execute("SELECT value FROM ingest_stats WHERE name='legacy_chunks'").fetchone()[0] == 2
    _still_serving(dep, hub, kit_a)


def test_chunk_frame_with_wrong_hash_or_length_is_quarantined_then_the_right_one_completes(running) -> None:  # type: ignore[no-untyped-def]
    dep, hub, kit_a, _kit_b, inject = running
    topic = topics.KIT_UP_MEDIA.build(kit_id="kit-a")
    key = kit_a.store.identity.key
    data = b"\n evidence \x00" * 1000
    digest = hashlib.sha256(data).hexdigest()
    begin = MediaBegin(file_id="01JGZ0000000000000000000FE", kind="photo.lock_before", content_type="image/jpeg",
                       size=len(data), sha256=digest, chunk_size=len(data), chunks=1, captured_at=1)
    seq = 6_000_000
    now = int(time.time() * 1000)
    publish(inject, topic, seal_envelope(key, sender="kit-a", seq=seq, ts=now, type_name="media.begin",
                                         body=begin).to_wire())

    def frame(n: int, payload: bytes, sha: str) -> bytes:
        return seal_frame(key, sender="kit-a", seq=seq + n, ts=now, file_id=begin.file_id, index=0, data=payload,
                          sha256=sha)

    before = [r for r, _ in _reasons(hub)].count("bad_chunk")
    publish(inject, topic, frame(1, data[:-1] + b"?", digest))  # the last byte is not what the header signs
    publish(inject, topic, frame(2, data, digest)[:-1])  # one byte short of the signed size
    assert poll(lambda: [r for r, _ in _reasons(hub)].count("bad_chunk") == before + 2)
    details = [d for r, d in _reasons(hub) if r == "bad_chunk"][before:]  # in either order: see _drop_bad_chunks
    assert any("frame carries" in d for d in details) and any("does not match" in d for d in details)
    assert hub.conn.execute("SELECT status FROM media_files WHERE file_id=?", (begin.file_id,)).fetchone()[0] == "partial"
    publish(inject, topic, frame(3, data, digest))
    assert poll(lambda: hub.conn.execute("SELECT status FROM media_files WHERE file_id=?",
                                         (begin.file_id,)).fetchone()[0] == "complete")
    stored = dep.home.dir / "media" / "sha256" / digest[:2] / digest
    assert stored.read_bytes() == data
    _still_serving(dep, hub, kit_a)


def test_kit_refuses_downlink_not_signed_by_pinned_hub_key(deployment) -> None:  # type: ignore[no-untyped-def]
    kit = make_kit(deployment.kits["kit-a"])
    rec = kit.store.add_record("job.step", {"n": 1})
    kit.start()  # no hub running: nothing acknowledges the record
    inject = raw_client(deployment.port, "probe", deployment.probes["probe"], "probe")
    try:
        assert poll(lambda: kit.transport.connected)  # type: ignore[union-attr]

        def refused() -> list[str]:
            return [r[0] for r in kit.store.conn.execute("SELECT reason FROM refused_downlink ORDER BY rowid")]

        # "connected" comes before the broker has the kit's subscription; a message published in between
        # reaches nobody. The first refused "not json" proves the subscription is in place.
        def garbage_refused() -> bool:
            publish(inject, topics.KIT_DOWN_ACK.build(kit_id="kit-a"), b"not json")
            return poll(lambda: len(refused()) > 0, 1)

        assert poll(garbage_refused)
        rogue = SigningKey.generate()
        forged = seal_envelope(rogue, sender="hub", seq=1, ts=int(time.time() * 1000), type_name="hub.ack", body={"stored": [rec.id]})
        publish(inject, topics.KIT_DOWN_ACK.build(kit_id="kit-a"), forged.to_wire())
        assert poll(lambda: "bad_signature" in refused())
        assert set(refused()) == {"bad_signature", "malformed"}
        assert kit.store.backlog() == (1, 0)  # the forged ack deleted nothing
    finally:
        inject.loop_stop()
        inject.disconnect()
        kit.stop()
