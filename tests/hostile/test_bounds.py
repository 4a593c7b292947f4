"""Bounds and totality at the hub, without a broker: quarantine size and count, stale uploads, the rate
limiter, ids that try to be paths, and a faulting handler or decoder that must not stop ingest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.home import init_hub
from hub.ingest import ingest as ingest_module
from hub.ingest.mediastore import MediaStore
from hub.ingest.ratelimit import SenderRates
from hub.provisioning import provision_kit
from hub.service import HubApp, make_hub
from protocol import topics
from protocol.clock import FakeClock
from protocol.errors import Rejected
from protocol.ids import new_id
from protocol.keys import SigningKey
from protocol.limits import QUARANTINE_RAW_PREFIX, STALE_UPLOAD_MS, Rate
from protocol.safepath import check_id, inside
from protocol.transport.base import Inbound
from tests.hostile.craft import Signer

RECORD = topics.KIT_UP_RECORD.build(kit_id="kit-a")
MEDIA = topics.KIT_UP_MEDIA.build(kit_id="kit-a")


@pytest.fixture
def hub(tmp_path: Path):  # type: ignore[no-untyped-def]
    home = init_hub(tmp_path / "hub")
    kit_dir = provision_kit(home, "kit-a", tmp_path / "kits" / "kit-a")
    clock = FakeClock()
    app = make_hub(home.dir, clock=clock, connect=False)
    signer = Signer("kit-a", SigningKey.from_b64((kit_dir / "keys" / "kit_signing.key").read_text()), clock)
    yield app, signer, clock
    app.stop()


class Acks:
    def __init__(self) -> None:
        self.n = 0

    def msg(self, topic: str, payload: bytes) -> Inbound:
        def ack() -> None:
            self.n += 1
        return Inbound(topic, payload, ack=ack)


def _reasons(app: HubApp) -> list[str]:
    return [r[0] for r in app.conn.execute("SELECT reason FROM quarantine ORDER BY n")]


def test_quarantine_keeps_a_prefix_and_drops_the_oldest_beyond_its_bound(hub, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app, signer, _clock = hub
    monkeypatch.setattr(ingest_module, "QUARANTINE_MAX_ENTRIES", 5)
    acks = Acks()
    big = b"[" * 10 + b'"' + b"x" * 100_000 + b'"' + b"]" * 10 + b"!"
    app.process([acks.msg(RECORD, big)] + [acks.msg(RECORD, b"{bad %d" % i) for i in range(7)])
    assert acks.n == 8  # every one acknowledged
    rows = app.conn.execute("SELECT raw, raw_size FROM quarantine ORDER BY n").fetchall()
    assert len(rows) == 5 and [bytes(r[0]) for r in rows][-1] == b"{bad 6"
    stats = dict(app.conn.execute("SELECT name, value FROM ingest_stats"))
    assert stats["quarantine_dropped"] == 3 and stats["quarantined"] == 8
    app.process([acks.msg(RECORD, big)])
    raw, size = app.conn.execute("SELECT raw, raw_size FROM quarantine ORDER BY n DESC").fetchone()
    assert len(raw) == QUARANTINE_RAW_PREFIX and size == len(big)


def test_a_faulting_handler_is_quarantined_once_and_acknowledged(hub) -> None:  # type: ignore[no-untyped-def]
    app, signer, _clock = hub

    def boom(conn, acc):  # type: ignore[no-untyped-def]
        raise RecursionError("a handler bug")

    app.ingest.on("kit.record", boom)
    acks = Acks()
    wire = signer.record("test.boom")
    app.process([acks.msg(RECORD, wire), acks.msg(RECORD, b"[" * 5000)])
    assert acks.n == 2
    assert sorted(_reasons(app)) == ["processing_fault", "too_deep"]
    app.process([acks.msg(RECORD, wire)])  # redelivered: kept once more as a fault, acknowledged, never stuck
    assert acks.n == 3


def test_the_ingest_loop_survives_whatever_process_lets_out(hub, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app, _signer, _clock = hub
    calls: list[int] = []

    def broken(batch):  # type: ignore[no-untyped-def]
        calls.append(len(batch))
        raise RuntimeError("not a storage error, not a message fault")

    monkeypatch.setattr(app, "process", broken)
    monkeypatch.setattr(app._stop, "wait", lambda t: False)  # no real sleeping
    acks = Acks()
    app._guarded(app.process, [acks.msg(RECORD, b"{}")])  # returns: the loop goes on
    assert calls == [1] and acks.n == 0  # left unacknowledged: the broker still holds it


def test_fault_path_survives_a_message_that_breaks_decoding(hub, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app, signer, _clock = hub

    def broken(raw, topic=None):  # type: ignore[no-untyped-def]
        raise OverflowError("a decoder bug")

    monkeypatch.setattr(ingest_module, "decode", broken)
    acks = Acks()
    app.process([acks.msg(RECORD, signer.record())])
    assert acks.n == 1 and _reasons(app) == ["processing_fault"]


def test_stale_unfinished_uploads_expire_and_can_start_again(hub) -> None:  # type: ignore[no-untyped-def]
    app, signer, clock = hub
    acks = Acks()
    file_id = new_id(clock.now_ms())
    app.process([acks.msg(MEDIA, signer.begin(file_id, size=10))])
    assert app.conn.execute("SELECT status FROM media_files WHERE file_id=?", (file_id,)).fetchone()[0] == "partial"
    assert app.ingest.sweep(force=True) == 0
    clock.advance(STALE_UPLOAD_MS["kit"] + 1)
    assert app.ingest.sweep(force=True) == 1
    assert app.conn.execute("SELECT 1 FROM media_files WHERE file_id=?", (file_id,)).fetchone() is None
    assert _reasons(app) == ["upload_limit"]
    app.process([acks.msg(MEDIA, signer.begin(file_id, size=10))])  # announced again: starts from nothing
    assert app.conn.execute("SELECT status FROM media_files WHERE file_id=?", (file_id,)).fetchone()[0] == "partial"


def test_kit_media_is_capped_per_kind(hub) -> None:  # type: ignore[no-untyped-def]
    app, signer, clock = hub
    acks = Acks()
    for kind, size in (("video.segment", 2 * 1024**3), ("photo.lock_before", 40 * 1024**2),
                       ("fingerprint.customer", 2 * 1024**2), ("something.else", 100 * 1024**2)):
        app.process([acks.msg(MEDIA, signer.begin(new_id(clock.now_ms()), size=size, kind=kind))])
    assert _reasons(app) == ["oversized"] * 4
    assert not list((app.home.media_path() / "partial").iterdir())  # nothing was written for any of them


def test_rate_limiter_refills_with_the_injected_clock() -> None:
    clock = FakeClock()
    rates = SenderRates(clock, {"customer": Rate(per_second=2.0, burst=3), "kit": Rate(per_second=1.0, burst=1)})
    flooder = topics.CUSTOMER_UP.build(customer_id="cust-1")
    other = topics.CUSTOMER_UP.build(customer_id="cust-2")
    assert [rates.allow(flooder) for _ in range(5)] == [True, True, True, False, False]
    assert rates.allow(other)  # another account has its own bucket
    clock.advance(500)
    assert rates.allow(flooder) and not rates.allow(flooder)
    assert rates.limited == {"cust-1": 3}
    assert rates.allow(topics.HUB_STATE.build())  # not an account's topic: never limited


@pytest.mark.parametrize("bad", ["../../x", "/etc/passwd", "a\x00b", "A" * 5000, "..", ".", "", "a/b", "..\\x",
                                 "01JGZ0000000000000000000X/", "01jgz0000000000000000000xx"])
def test_ids_are_data_never_paths(tmp_path: Path, bad: str) -> None:
    store = MediaStore(tmp_path / "media")
    with pytest.raises(Rejected) as exc:
        store.part_path(bad)
    assert exc.value.reason.value == "bad_id"
    with pytest.raises(Rejected):
        store.object_path(bad)
    with pytest.raises(Rejected):
        check_id(bad, "ulid")
    if bad not in ("A" * 5000, "01jgz0000000000000000000xx"):
        with pytest.raises(Rejected):
            inside(tmp_path, bad)
    assert not store.has(bad)


def test_inside_refuses_a_symlink_leading_out(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "link").symlink_to(tmp_path)
    with pytest.raises(Rejected):
        inside(tmp_path / "folder", "link")
    assert inside(tmp_path / "folder", "plain.part") == tmp_path / "folder" / "plain.part"


def test_quarantine_cli_shows_the_bounds(hub, capsys) -> None:  # type: ignore[no-untyped-def]
    app, _signer, _clock = hub
    Acks_ = Acks()
    app.process([Acks_.msg(RECORD, b"[" * 100)])
    from lockwarden.cli import main

    assert main(["hub", "quarantine", "--dir", str(app.home.dir), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["kept"] == 1 and out["summary"]["limit"] >= 1000
    assert out["entries"][0]["reason"] == "too_deep"


def test_police_export_quarantine_is_bounded_and_refuses_without_crashing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from hub.police import writer as writer_module
    from hub.police.writer import AppendStatus, ExportWriter

    monkeypatch.setattr(writer_module, "QUARANTINE_FILE_BYTES", 3000)
    w = ExportWriter(tmp_path / "export", SigningKey.generate().private.public_key(), clock=FakeClock())
    hostile = [b"[" * 5000, b'{"a":1,"a":2}', b"\xff", b"x" * 100_000, b'{"v":1,"seq":18446744073709551616}'] * 4
    results = w.append_many(hostile)
    assert all(r.status == AppendStatus.REJECTED for r in results)
    current = (tmp_path / "export" / "quarantine.jsonl").read_bytes().splitlines()
    older = (tmp_path / "export" / "quarantine.jsonl.1").read_bytes().splitlines()
    assert len(current) + len(older) < len(hostile)  # the oldest were dropped ...
    notes = [json.loads(line) for line in current + older if b'"rotated"' in line]
    assert notes and all("dropped_entries" in n for n in notes)  # ... and counted
    for line in current + older:
        entry = json.loads(line)
        assert len(entry.get("raw", "")) <= QUARANTINE_RAW_PREFIX
    reasons = {json.loads(line)["reason"].split(":")[0] for line in current + older} - {"rotated"}
    assert reasons <= {"too_deep", "duplicate_key", "not_utf8", "oversized", "integer_out_of_range", "malformed"}
