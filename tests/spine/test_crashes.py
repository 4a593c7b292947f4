"""Power cuts and outages in the middle of an upload: kit SIGKILLed, hub SIGKILLed, broker restarted.
Each time the transfer resumes and the hub ends with exactly one verified copy and no duplicate rows."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from edge.app import change_kit_settings, make_kit
from hub.db import connect
from hub.service import make_hub
from tests.spine.helpers import kill, poll, spawn, terminate

SIZE = 40 * 1024 * 1024


def _prepare(kit_dir: Path) -> tuple[str, str, str]:
    # small chunks, two in flight: slow the transfer so the crash lands mid-file
    change_kit_settings(kit_dir, chunk_window=2, chunk_kib=256)
    kit = make_kit(kit_dir, connect=False)
    data = os.urandom(SIZE)
    rec = kit.store.add_record("job.photo_note", {"n": 1})
    f = kit.store.add_file(kind="video.segment", content_type="video/mp4", data=data)
    kit.store.close()
    return f.file_id, hashlib.sha256(data).hexdigest(), rec.id


def _hub_db(deployment) -> sqlite3.Connection:  # type: ignore[no-untyped-def]
    return connect(deployment.home.dir / "hub.db")


def _chunks(db: sqlite3.Connection, file_id: str) -> int:
    return int(db.execute("SELECT COUNT(*) FROM media_chunks WHERE file_id=?", (file_id,)).fetchone()[0])


def _status(db: sqlite3.Connection, file_id: str) -> str | None:
    row = db.execute("SELECT status FROM media_files WHERE file_id=?", (file_id,)).fetchone()
    return row[0] if row else None


def _assert_once(db: sqlite3.Connection, file_id: str, sha: str, rec_id: str, media_root: Path) -> None:
    assert _status(db, file_id) == "complete"
    assert _chunks(db, file_id) == SIZE // (256 * 1024)
    assert db.execute("SELECT COUNT(*) FROM kit_records WHERE id=?", (rec_id,)).fetchone()[0] == 1
    stored = media_root / "sha256" / sha[:2] / sha
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
    assert db.execute("SELECT COUNT(*) FROM quarantine WHERE reason!='duplicate'").fetchone()[0] == 0


def _kit_backlog(kit_dir: Path) -> tuple[int, int]:
    kit = make_kit(kit_dir, connect=False)
    try:
        return kit.store.backlog()
    finally:
        kit.store.close()


def test_kit_killed_mid_upload_resumes(deployment) -> None:  # type: ignore[no-untyped-def]
    kit_dir = deployment.kits["kit-a"]
    file_id, sha, rec_id = _prepare(kit_dir)
    hub = make_hub(deployment.home.dir)
    hub.start()
    db = _hub_db(deployment)
    try:
        proc = spawn("edge.service", kit_dir)
        assert poll(lambda: _chunks(db, file_id) >= 20, 60), proc.stderr
        kill(proc)
        before = _chunks(db, file_id)
        assert 0 < before < SIZE // (256 * 1024)
        proc = spawn("edge.service", kit_dir)
        try:
            assert poll(lambda: _status(db, file_id) == "complete", 120)
            assert poll(lambda: _kit_backlog(kit_dir) == (0, 0), 30)
        finally:
            terminate(proc)
        _assert_once(db, file_id, sha, rec_id, deployment.home.dir / "media")
    finally:
        db.close()
        hub.stop()


def test_hub_killed_mid_upload_resumes(deployment) -> None:  # type: ignore[no-untyped-def]
    kit_dir = deployment.kits["kit-a"]
    file_id, sha, rec_id = _prepare(kit_dir)
    hub_proc = spawn("hub.service", deployment.home.dir)
    kit = make_kit(kit_dir)
    kit.start()
    db = None
    try:
        assert poll(lambda: (deployment.home.dir / "hub.db").exists(), 30)
        db = _hub_db(deployment)
        assert poll(lambda: _chunks(db, file_id) >= 20, 60)
        kill(hub_proc)
        before = _chunks(db, file_id)
        hub_proc = spawn("hub.service", deployment.home.dir)
        assert poll(lambda: _status(db, file_id) == "complete", 120)
        assert _chunks(db, file_id) >= before
        assert poll(lambda: kit.store.backlog() == (0, 0), 30)
        _assert_once(db, file_id, sha, rec_id, deployment.home.dir / "media")
    finally:
        kit.stop()
        terminate(hub_proc)
        if db is not None:
            db.close()


def test_broker_restarted_mid_upload(deployment) -> None:  # type: ignore[no-untyped-def]
    kit_dir = deployment.kits["kit-a"]
    file_id, sha, rec_id = _prepare(kit_dir)
    hub = make_hub(deployment.home.dir)
    hub.start()
    kit = make_kit(kit_dir)
    kit.start()
    db = _hub_db(deployment)
    try:
        assert poll(lambda: _chunks(db, file_id) >= 20, 60)
        deployment.broker.kill()
        assert _status(db, file_id) == "partial"
        deployment.broker.start()
        assert poll(lambda: _status(db, file_id) == "complete", 120)
        assert poll(lambda: kit.store.backlog() == (0, 0), 30)
        _assert_once(db, file_id, sha, rec_id, deployment.home.dir / "media")
    finally:
        kit.stop()
        hub.stop()
        db.close()


@pytest.mark.parametrize("n", [10_000])
def test_backlog_queued_while_broker_down_is_delivered_in_order(deployment, n: int) -> None:  # type: ignore[no-untyped-def]
    deployment.broker.stop()
    kit = make_kit(deployment.kits["kit-a"])
    ids = [kit.store.add_record("gnss.position", {"i": i, "lat": 39.9, "lon": 116.4}).id for i in range(n)]
    hub = make_hub(deployment.home.dir)
    hub.start()
    kit.start()
    try:
        assert not kit.transport.connected  # type: ignore[union-attr]
        deployment.broker.start()
        assert poll(lambda: kit.store.backlog() == (0, 0), 120), kit.sync.status()
        rows = hub.conn.execute(
            "SELECT id, seq FROM kit_records WHERE sender='kit-a' AND type='kit.record' ORDER BY rowid").fetchall()
        assert [r[0] for r in rows] == ids  # every one, once, in capture order
        assert [r[1] for r in rows] == sorted(r[1] for r in rows)
    finally:
        kit.stop()
        hub.stop()
