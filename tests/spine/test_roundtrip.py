"""A record and a 20 MB file go kit -> real Mosquitto -> hub, arrive once, byte-identical, and leave the
kit store only after the hub's application ack."""

from __future__ import annotations

import hashlib
import os

import pytest

from edge.app import make_kit
from hub.service import make_hub, wait_until


@pytest.mark.parametrize("deployment", ["sqlite", "postgresql"], indirect=True)
def test_record_and_20mb_file_arrive_once_and_leave_kit_after_ack(deployment) -> None:  # type: ignore[no-untyped-def]
    kit = make_kit(deployment.kits["kit-a"])
    payload = os.urandom(20 * 1024 * 1024)
    rec = kit.store.add_record("job.arrival", {"distance_m": 12.5}, order_id="01JGZ0000000000000000000AA")
    f = kit.store.add_file(kind="video.segment", content_type="video/mp4", data=payload, order_id=rec.order_id)
    assert kit.store.backlog() == (1, 1)

    hub = make_hub(deployment.home.dir)
    hub.start()
    kit.start()
    try:
        assert wait_until(lambda: kit.store.backlog() == (0, 0), 60), kit.sync.status()
        rows = hub.conn.execute("SELECT id, kind, order_id FROM kit_records WHERE sender='kit-a' AND type='kit.record'").fetchall()
        assert [tuple(r) for r in rows] == [(rec.id, "job.arrival", rec.order_id)]
        media = hub.conn.execute("SELECT sha256, status, size FROM media_files WHERE file_id=?", (f.file_id,)).fetchone()
        assert tuple(media) == (hashlib.sha256(payload).hexdigest(), "complete", len(payload))
        assert hub.ingest.media.read(media[0]) == payload
        # the kit deleted the bytes only after the ack, and kept the index row for the evidence bundle
        assert not any(p.suffix == ".bin" for p in (kit.store.media_dir).iterdir())
        assert kit.store.files_for_order(rec.order_id or "")[0].sha256 == media[0]
        assert hub.conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0] == 0
    finally:
        kit.stop()
        hub.stop()


def test_many_small_files_announced_ahead_all_arrive_whole(deployment) -> None:  # type: ignore[no-untyped-def]
    """More files than the kit opens ahead (`files_ahead`) or at once (`files_in_flight`), each one chunk like
    a 5 s segment: every one arrives whole, in one piece each, without tripping the hub's open-upload limit."""
    from edge.sync.engine import SyncSettings

    kit = make_kit(deployment.kits["kit-a"])
    count = SyncSettings().files_in_flight + SyncSettings().files_ahead + 5
    payloads = {kit.store.add_file(kind="video.segment", content_type="video/mp4", data=data,
                                   order_id="01JGZ0000000000000000000AA").file_id: data
                for data in (os.urandom(50_000 + i) for i in range(count))}
    hub = make_hub(deployment.home.dir)
    hub.start()
    kit.start()
    try:
        assert wait_until(lambda: kit.store.backlog() == (0, 0), 60), kit.sync.status()
        rows = hub.conn.execute("SELECT file_id, sha256, status FROM media_files WHERE sender='kit-a'").fetchall()
        assert {r[0]: (r[1], r[2]) for r in rows} == {
            fid: (hashlib.sha256(data).hexdigest(), "complete") for fid, data in payloads.items()}
        assert hub.conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0] == 0
        assert kit.sync.stats["chunks_sent"] == count  # each sent once: no stall re-sent a chunk waiting its turn
    finally:
        kit.stop()
        hub.stop()
