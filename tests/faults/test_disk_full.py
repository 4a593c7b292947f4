"""Full disks: the hub, the kit and the police export refuse new work with a clear reason while their disk
is full, lose and half-write nothing, and carry on by themselves once space returns; no thread dies.

Each case runs twice: on a real small file system filled to the last byte (a tmpfs this test mounts; it
skips with the reason where it may not mount), and with the failure injected at the storage layer
(SQLite's `query_only`, which refuses every write exactly as a read-only or failing disk does, and an
append that fails half-way), so the behaviour is covered wherever the suite runs."""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from edge.app import change_kit_settings, make_kit
from edge.store.errors import StoreFull
from hub.broker.config import BrokerFiles
from hub.broker.process import MosquittoProcess, free_port
from hub.home import init_hub
from hub.police.service import ExportService
from hub.police.verify import verify_export
from hub.provisioning import provision_kit
from hub.service import PROGRESS_FILE, make_hub
from protocol.clock import FakeClock
from protocol.keys import SigningKey
from protocol.progress import read_progress
from protocol.transport.base import Inbound
from tests.faults.disk import fill, free_bytes, small_disk
from tests.police.conftest import order_life
from tests.spine.helpers import poll

ROOT = Path(__file__).resolve().parents[2]


# -- helpers --------------------------------------------------------------------------------------------
def _hub_rows(db_path: Path, ids: list[str]) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        marks = ",".join("?" * len(ids))
        rows = conn.execute(f"SELECT id, COUNT(*) FROM kit_records WHERE id IN ({marks}) GROUP BY id", ids)
        return {r[0]: r[1] for r in rows}
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()


def _arrived_once(db_path: Path, ids: list[str]) -> bool:
    rows = _hub_rows(db_path, ids)
    return len(rows) == len(ids) and set(rows.values()) == {1}


def _fast_resend(kit):  # type: ignore[no-untyped-def]
    """Acks the kit could not note are asked for again after 2 s instead of 30 s."""
    kit.sync.settings = replace(kit.sync.settings, resend_after_s=2.0)


def _spawn_hub(hub_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with open(log, "ab") as fh:
        return subprocess.Popen([sys.executable, "-m", "lockwarden.cli", "hub", "run", "--dir", str(hub_dir)],
                                env=env, stdout=fh, stderr=fh)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def full_disk_hub(tmp_path: Path) -> Iterator[tuple[Path, Path, MosquittoProcess]]:
    """A hub directory on its own 24 MB tmpfs (the broker's files symlinked off it, so the broker itself
    keeps working) and a provisioned kit on the ordinary disk."""
    with small_disk(tmp_path / "disk", "24m") as disk:
        port = free_port()
        home = init_hub(disk / "hub", broker_port=port)
        shutil.move(str(home.broker_dir), str(tmp_path / "broker"))
        os.symlink(tmp_path / "broker", home.broker_dir)
        kit_dir = provision_kit(home, "kit-a", tmp_path / "kits" / "kit-a")
        broker = MosquittoProcess(BrokerFiles(home.broker_dir), port)
        broker.start()
        try:
            yield disk, kit_dir, broker
        finally:
            broker.stop()


# -- the hub ------------------------------------------------------------------------------------------------
def test_hub_on_a_full_disk_refuses_then_catches_up(full_disk_hub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    disk, kit_dir, _broker = full_disk_hub
    hub_dir = disk / "hub"
    db = hub_dir / "hub.db"
    log = tmp_path / "hub.log"
    hub = _spawn_hub(hub_dir, log)
    kit = make_kit(kit_dir)
    _fast_resend(kit)
    kit.start()
    try:
        first = [kit.store.add_record("job.photo_note", {"n": 0}).id]
        assert poll(lambda: _arrived_once(db, first), 60), log.read_text(errors="replace")

        # 1. The disk fills under a running hub: a file and records arrive and are refused, not lost.
        filler = fill(disk)
        assert free_bytes(disk) < 4096
        during = [kit.store.add_record("job.photo_note", {"n": i}).id for i in range(1, 6)]
        photo = kit.store.add_file(kind="photo.lock_before", content_type="image/jpeg", data=os.urandom(1_500_000))
        assert poll(lambda: "storage full or failing" in log.read_text(errors="replace"), 60)
        assert hub.poll() is None
        note = read_progress(hub_dir / PROGRESS_FILE)  # written in place, readable while the disk is full
        assert note is not None and poll(lambda: (read_progress(hub_dir / PROGRESS_FILE) or {}).get("storage"), 30)
        filler.unlink()
        assert poll(lambda: _arrived_once(db, first + during), 90), log.read_text(errors="replace")
        assert poll(lambda: kit.store.backlog() == (0, 0), 90), kit.sync.status()

        # 2. The hub restarts on a full disk (the case that killed its MQTT thread for good).
        hub.send_signal(signal.SIGKILL)
        hub.wait(10)
        filler = fill(disk)
        hub = _spawn_hub(hub_dir, log)
        after = [kit.store.add_record("job.photo_note", {"n": i}).id for i in range(6, 9)]
        assert poll(lambda: log.read_text(errors="replace").count("storage full or failing") >= 2, 60)
        assert hub.poll() is None
        filler.unlink()
        assert poll(lambda: _arrived_once(db, first + during + after), 90), log.read_text(errors="replace")
        assert poll(lambda: kit.store.backlog() == (0, 0), 90), kit.sync.status()
        assert poll(lambda: not (read_progress(hub_dir / PROGRESS_FILE) or {"storage": 1}).get("storage"), 30)

        # 3. A clean stop, then a start on a full disk: SQLite cannot even create its WAL. The hub waits.
        _stop(hub)
        filler = fill(disk)
        hub = _spawn_hub(hub_dir, log)
        last = [kit.store.add_record("job.photo_note", {"n": i}).id for i in range(9, 11)]
        assert poll(lambda: "hub: opening its database: storage full or failing" in log.read_text(errors="replace"),
                    60), log.read_text(errors="replace")[-3000:]
        assert hub.poll() is None
        filler.unlink()
        assert poll(lambda: _arrived_once(db, first + during + after + last), 90), log.read_text(errors="replace")
        assert poll(lambda: kit.store.backlog() == (0, 0), 90), kit.sync.status()
    finally:
        kit.stop()
        _stop(hub)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT status FROM media_files WHERE file_id=?", (photo.file_id,)).fetchone()[0] == \
            "complete"
        # No message was blamed for the disk: nothing quarantined as a processing fault.
        assert conn.execute("SELECT COUNT(*) FROM quarantine WHERE reason='processing_fault'").fetchone()[0] == 0
    finally:
        conn.close()
    assert not list((hub_dir / "media").rglob("*.tmp"))


def _set_readonly(app, on: bool) -> None:  # type: ignore[no-untyped-def]
    with app._lock:
        app.conn.execute(f"PRAGMA query_only={1 if on else 0}")


def test_hub_storage_refusal_injected(deployment, caplog) -> None:  # type: ignore[no-untyped-def]
    """The same without a mount: the hub's store refuses every write (as a read-only or failing disk
    does) from the start, so the signed will cannot be reserved, and later while it runs."""
    caplog.set_level(logging.INFO)
    hub = make_hub(deployment.home.dir)
    _set_readonly(hub, True)
    kit = make_kit(deployment.kits["kit-a"])
    _fast_resend(kit)
    hub.start()
    kit.start()
    try:
        assert poll(lambda: "signing the last will: storage full or failing" in caplog.text, 30)
        before = [kit.store.add_record("job.photo_note", {"n": i}).id for i in range(3)]
        assert hub.transport is not None and hub.transport._thread is not None
        assert hub.transport._thread.is_alive() and not hub.transport.connected
        _set_readonly(hub, False)
        assert poll(lambda: _arrived_once(deployment.home.dir / "hub.db", before), 60)

        _set_readonly(hub, True)
        during = [kit.store.add_record("job.photo_note", {"n": i}).id for i in range(3, 8)]
        assert poll(lambda: hub.storage.active, 60)
        assert hub._thread is not None and hub._thread.is_alive() and hub.transport._thread.is_alive()
        assert not _hub_rows(deployment.home.dir / "hub.db", during)  # refused: nothing of them stored
        _set_readonly(hub, False)
        assert poll(lambda: _arrived_once(deployment.home.dir / "hub.db", before + during), 60)
        assert poll(lambda: kit.store.backlog() == (0, 0), 60)
        assert poll(lambda: not hub.storage.active, 30)
        assert "storage writable again" in caplog.text
        assert hub.conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0] == 0
    finally:
        kit.stop()
        hub.stop()


# -- the kit ------------------------------------------------------------------------------------------------
def test_kit_store_on_a_full_disk_refuses_with_a_reason(deployment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kit_dir = deployment.kits["kit-a"]
    with small_disk(tmp_path / "kitdisk", "8m") as disk:
        change_kit_settings(kit_dir, data_dir=str(disk / "data"), disk_floor_mb=0, disk_reserve_mb=0)
        kit = make_kit(kit_dir, connect=False)
        try:
            kept = [kit.store.add_record("job.photo_note", {"n": i}).id for i in range(3)]
            filler = fill(disk)
            with pytest.raises(StoreFull) as refused:
                for i in range(200):  # the database may have a page or two left; the disk has none
                    kit.store.add_record("job.photo_note", {"n": 100 + i, "pad": "x" * 2000})
            assert "full" in str(refused.value)
            with pytest.raises(StoreFull):
                kit.store.add_file(kind="photo.lock_before", content_type="image/jpeg", data=os.urandom(300_000))
            assert not list((disk / "data" / "media").iterdir())  # nothing half-written left behind
            pending = {r[1] for r in kit.store.pending_records(limit=1000)}
            assert set(kept) <= pending  # what the kit held before is still there
            filler.unlink()
            later = kit.store.add_record("job.photo_note", {"n": 999})
            f = kit.store.add_file(kind="photo.lock_before", content_type="image/jpeg", data=os.urandom(300_000))
            assert later.id in {r[1] for r in kit.store.pending_records(limit=1000)}
            assert kit.store.pending_files(limit=5)[0].file_id == f.file_id
        finally:
            kit.store.close()


def test_kit_started_on_a_full_disk_keeps_its_store(deployment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A kit store opened on a full disk (SQLite cannot create its WAL: "disk I/O error") is refused, not
    taken for a corrupt file and set aside: that would hide the backlog and restart the kit's sequence."""
    kit_dir = deployment.kits["kit-a"]
    with small_disk(tmp_path / "kitdisk", "8m") as disk:
        change_kit_settings(kit_dir, data_dir=str(disk / "data"), disk_floor_mb=0, disk_reserve_mb=0)
        kit = make_kit(kit_dir, connect=False)
        kept = [kit.store.add_record("job.photo_note", {"n": i}).id for i in range(3)]
        kit.store.close()  # a clean stop: the WAL file is gone
        filler = fill(disk)
        with pytest.raises(sqlite3.OperationalError):
            make_kit(kit_dir, connect=False)
        assert (disk / "data" / "kit.db").exists() and not (disk / "data" / "corrupt").exists()
        filler.unlink()
        kit = make_kit(kit_dir, connect=False)
        try:
            assert kit.store.set_aside is None
            assert [r[1] for r in kit.store.pending_records()] == kept
        finally:
            kit.store.close()


def test_kit_sync_survives_its_disk_refusing_acks(deployment) -> None:  # type: ignore[no-untyped-def]
    """The hub's acks arrive while the kit's store refuses writes: the kit keeps the records (pending),
    its threads live, and once it can write again it sends them again and the hub stores each once."""
    hub = make_hub(deployment.home.dir)
    hub.start()
    kit = make_kit(deployment.kits["kit-a"])
    _fast_resend(kit)
    ids = [kit.store.add_record("job.photo_note", {"n": i}).id for i in range(5)]
    with kit.store.lock:
        kit.store.conn.execute("PRAGMA query_only=1")
    kit.start()
    try:
        assert poll(lambda: _arrived_once(deployment.home.dir / "hub.db", ids), 60)
        assert poll(lambda: kit.sync.storage.active, 30)
        with pytest.raises(StoreFull):
            kit.store.add_record("job.photo_note", {"n": 99})
        assert kit.store.backlog()[0] == 5  # kept, not lost
        assert kit.sync._thread is not None and kit.sync._thread.is_alive()
        with kit.store.lock:
            kit.store.conn.execute("PRAGMA query_only=0")
        assert poll(lambda: kit.store.backlog() == (0, 0), 60), kit.sync.status()
        assert _arrived_once(deployment.home.dir / "hub.db", ids)
    finally:
        kit.stop()
        hub.stop()


# -- the police export ------------------------------------------------------------------------------------
class _Acks:
    def __init__(self) -> None:
        self.n = 0
        self._lock = threading.Lock()

    def message(self, raw: bytes) -> Inbound:
        def ack() -> None:
            with self._lock:
                self.n += 1
        return Inbound(topic="lw/v1/police/records", payload=raw, ack=ack)


def _export_service(root: Path, hub_key: SigningKey, clock: FakeClock) -> tuple[ExportService, list[bytes]]:
    from hub.police.writer import ExportWriter

    sent: list[bytes] = []
    writer = ExportWriter(root, hub_key.private.public_key(), clock=clock)
    return ExportService(writer, ack_key=SigningKey.generate(), clock=clock,
                         publish=lambda topic, raw: sent.append(raw)), sent


def _complete_lines(root: Path) -> bool:
    return all(f.read_bytes().endswith(b"\n") for f in (root / "records").glob("*.jsonl"))


def test_police_export_on_a_full_disk_acks_nothing_until_space_returns(tmp_path, hub_key, sealer, clock) -> None:  # type: ignore[no-untyped-def]
    with small_disk(tmp_path / "pdisk", "8m") as disk:
        root = disk / "export"
        service, _sent = _export_service(root, hub_key, clock)
        service.start()
        acks = _Acks()
        msgs = order_life(sealer, clock)
        try:
            filler = fill(disk)
            for raw in msgs:
                service.submit(acks.message(raw))
            assert poll(lambda: service.storage.active, 30)
            assert acks.n == 0  # nothing acknowledged that is not durable
            assert service._worker is not None and service._worker.is_alive()
            assert _complete_lines(root)  # and nothing torn
            filler.unlink()
            assert poll(lambda: acks.n == len(msgs), 60)
        finally:
            service.stop()
            service.writer.close()
        rep = verify_export(root, hub_key.private.public_key())
        assert rep.ok, rep.problems
        assert rep.entries == _records(msgs)


def test_police_export_append_failing_half_way_is_cut_back(tmp_path, hub_key, sealer, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import hub.police.writer as writer_module
    from protocol import durable

    real = durable.append_durably
    failures = {"left": 2}

    def flaky(path: Path, data: bytes) -> int:
        if failures["left"] > 0 and path.parent.name == "records":
            failures["left"] -= 1
            with open(path, "ab") as fh:  # half the batch reaches the disk, then the disk is full
                fh.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(writer_module, "append_durably", flaky)
    root = tmp_path / "export"
    service, _sent = _export_service(root, hub_key, clock)
    service.start()
    acks = _Acks()
    msgs = order_life(sealer, clock)
    try:
        for raw in msgs:
            service.submit(acks.message(raw))
        assert poll(lambda: acks.n == len(msgs), 60)
        assert failures["left"] == 0
    finally:
        service.stop()
        service.writer.close()
    rep = verify_export(root, hub_key.private.public_key())
    assert rep.ok, rep.problems
    assert rep.entries == _records(msgs)


def _records(msgs: list[bytes]) -> int:
    return sum(1 for raw in msgs if json.loads(raw)["type"] == "police.record")


def test_video_segments_refused_by_a_full_store_wait_in_order(deployment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The recorder's segment handover on a store that refuses writes: the segment stays in the work
    folder (a rename back, nothing copied or lost), the recorder thread is not failed, and the waiting
    segments go into the store in capture order with the next one once the store can write again."""
    from edge.job import video
    from edge.job.devices import Segment

    kit = make_kit(deployment.kits["kit-a"], connect=False)
    try:
        folder = video.work_dir(kit.store, "01KDVDNA00E8H72SAR7QA07TDA")
        folder.mkdir(parents=True)
        sink = video.SegmentSink(kit.store, "01KDVDNA00E8H72SAR7QA07TDA")
        segs = []
        for i in range(1, 4):
            path = folder / f"seg-{i:05d}.mp4"
            path.write_bytes(os.urandom(10_000 + i))
            segs.append(Segment(path=path, index=i, started_ms=i * 1000, frames=30))
        sink(segs[0])
        with kit.store.lock:
            kit.store.conn.execute("PRAGMA query_only=1")
        sink(segs[1])  # refused: waits, no exception into the recorder
        assert segs[1].path.exists() and len(sink.waiting) == 1
        with kit.store.lock:
            kit.store.conn.execute("PRAGMA query_only=0")
        sink(segs[2])
        assert sink.waiting == [] and not any(folder.glob("seg-*"))
        stored = video.segments(kit.store, "01KDVDNA00E8H72SAR7QA07TDA")
        assert [s.size for s in stored] == [10_001, 10_002, 10_003]  # all three, in capture order
    finally:
        kit.store.close()


def _export_proc(dep, out: Path, key_file: Path, password: str, log: Path) -> subprocess.Popen[bytes]:  # type: ignore[no-untyped-def]
    with open(log, "ab") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", "lockwarden.cli", "police-export", "--out", str(out), "--hub-key",
             str(dep.home.keys / "hub_signing.pub"), "--police-key", str(key_file), "--port", str(dep.port),
             "--username", "police", "--password", password],
            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=fh, stderr=subprocess.STDOUT)


def test_police_export_process_started_on_a_full_disk_waits_then_catches_up(deployment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from hub import police_feed
    from hub.provisioning import provision_principal

    dep = deployment
    _key, password = provision_principal(dep.home, "police", "police", tmp_path)
    dep.broker.reload()
    key_file = tmp_path / "keys" / "police.key"
    log = tmp_path / "police-export.log"
    with small_disk(tmp_path / "pdisk", "8m") as disk:
        out = disk / "export"
        proc = _export_proc(dep, out, key_file, password, log)
        app = make_hub(dep.home.dir, broker_port=dep.port)
        fwd = app.plugins["police"].forwarder
        fwd.retry_ms = 1500
        app.start()

        def emit(start: int, n: int) -> None:
            with app._lock:
                for i in range(start, start + n):
                    police_feed.emit(app.conn, "order.step", {"id": f"O{i % 5}", "i": i}, now_ms=app.clock.now_ms())

        try:
            emit(0, 20)
            assert poll(lambda: fwd.acked_seq() == 20, 60), log.read_text(errors="replace")
            _stop(proc)  # a clean stop: the index's WAL is gone, reopening needs space
            filler = fill(disk)
            proc = _export_proc(dep, out, key_file, password, log)
            emit(20, 30)
            assert poll(lambda: "police export: opening the export: storage full or failing"
                        in log.read_text(errors="replace"), 60), log.read_text(errors="replace")[-3000:]
            assert proc.poll() is None and fwd.acked_seq() == 20  # waiting, acknowledging nothing
            filler.unlink()
            assert poll(lambda: fwd.acked_seq() == 50 and fwd.backlog() == 0, 90), log.read_text(errors="replace")
        finally:
            app.stop()
            _stop(proc)
        rep = verify_export(out, dep.home.signing_key().private.public_key())
        assert rep.ok and rep.entries == 50, rep.problems
