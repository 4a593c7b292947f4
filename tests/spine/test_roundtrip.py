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
