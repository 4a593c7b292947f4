"""Each end hashes each byte of evidence once.

The kit hashes a capture when it stores it (a video segment: when the recorder closes it); a file of one chunk
(every 5 s segment, photo and template of a job) is sent under that hash without reading it twice. The hub
checks a chunk that arrives in order through its file's running hash only; when the file's hash then fails,
it finds the chunks that differ from their signed hash, drops only those, and the kit sends them again. A
kit whose own copy changed on its disk sets it aside instead of sending it forever.
"""

from __future__ import annotations

import hashlib
import os
import time

from edge.app import make_kit
from hub.service import make_hub
from protocol import topics
from protocol.envelope import seal_envelope
from protocol.frame import seal_frame
from protocol.messages.media import MediaBegin
from tests.conftest import Deployment
from tests.spine.helpers import poll, publish, raw_client, wait_hub_online

ORDER = "01JGZ0000000000000000000AA"


def _quarantine(hub, reason: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [r[0] for r in hub.conn.execute("SELECT detail FROM quarantine WHERE reason=? ORDER BY n", (reason,))]


def _status(hub, file_id: str) -> str | None:  # type: ignore[no-untyped-def]
    row = hub.conn.execute("SELECT status FROM media_files WHERE file_id=?", (file_id,)).fetchone()
    return None if row is None else str(row[0])


def test_one_chunk_files_are_not_hashed_again_when_sent(deployment: Deployment) -> None:
    kit = make_kit(deployment.kits["kit-a"])
    payloads = {kit.store.add_file(kind="video.segment", content_type="video/mp4", data=os.urandom(40_000 + i),
                                   order_id=ORDER).file_id for i in range(5)}
    big = os.urandom(3 * kit.store.chunk_size + 11)
    kit.store.add_file(kind="video.segment", content_type="video/mp4", data=big, order_id=ORDER)
    hub = make_hub(deployment.home.dir)
    hub.start()
    kit.start()
    try:
        assert poll(lambda: kit.store.backlog() == (0, 0), 60), kit.sync.status()
        assert all(_status(hub, f) == "complete" for f in payloads)
        # only the file of several chunks is hashed again, chunk by chunk, for its frames' headers
        assert kit.sync.stats["hashed_bytes"] == len(big)
    finally:
        kit.stop()
        hub.stop()


def test_a_capture_corrupted_on_the_kits_disk_is_set_aside_not_resent(deployment: Deployment) -> None:
    kit = make_kit(deployment.kits["kit-a"])
    data = os.urandom(60_000)
    f = kit.store.add_file(kind="photo.lock_before", content_type="image/jpeg", data=data, order_id=ORDER)
    path = next(p for p in kit.store.media_dir.iterdir() if p.name.startswith(f.file_id))
    flipped = bytearray(path.read_bytes())
    flipped[1000] ^= 0x40  # a bit the SD card lost after the capture was hashed and signed
    path.write_bytes(bytes(flipped))
    hub = make_hub(deployment.home.dir)
    hub.start()
    kit.start()
    try:
        assert poll(lambda: kit.store.backlog()[1] == 0, 60), kit.sync.status()
        row = kit.store.conn.execute("SELECT state, detail FROM files WHERE file_id=?", (f.file_id,)).fetchone()
        assert row[0] == "refused" and "corrupt" in row[1], row
        assert path.exists()  # kept for inspection, never deleted
        assert kit.sync.stats["corrupt_files"] == 1
        # the hub stored nothing of it under the capture's hash, said why, and holds no upload open for it
        assert any(f.file_id in d and "does not match" in d for d in _quarantine(hub, "bad_chunk"))
        assert poll(lambda: _status(hub, f.file_id) == "rejected", 20)
        assert not hub.ingest.media.has(f.sha256)
    finally:
        kit.stop()
        hub.stop()


def test_a_chunk_changed_in_transit_is_dropped_alone_and_the_file_completes(deployment: Deployment) -> None:
    hub = make_hub(deployment.home.dir)
    hub.start()
    wait_hub_online(deployment.port, deployment.probes["probe-watch"])
    kit = make_kit(deployment.kits["kit-a"], connect=False)
    inject = raw_client(deployment.port, "probe", deployment.probes["probe"], "probe")
    try:
        key, topic, size = kit.store.identity.key, topics.KIT_UP_MEDIA.build(kit_id="kit-a"), 4096
        data = os.urandom(3 * size)
        parts = [data[i : i + size] for i in range(0, len(data), size)]
        begin = MediaBegin(file_id="01JGZ0000000000000000000FD", kind="video.segment", content_type="video/mp4",
                           size=len(data), sha256=hashlib.sha256(data).hexdigest(), chunk_size=size, chunks=3,
                           captured_at=1)
        seq, now = 7_000_000, int(time.time() * 1000)
        publish(inject, topic, seal_envelope(key, sender="kit-a", seq=seq, ts=now, type_name="media.begin",
                                             body=begin).to_wire())

        def frame(n: int, index: int, payload: bytes) -> bytes:
            return seal_frame(key, sender="kit-a", seq=seq + n, ts=now, file_id=begin.file_id, index=index,
                              data=payload, sha256=hashlib.sha256(parts[index]).hexdigest())

        altered = parts[1][:100] + bytes([parts[1][100] ^ 1]) + parts[1][101:]
        for n, (index, payload) in enumerate([(0, parts[0]), (1, altered), (2, parts[2])], start=1):
            publish(inject, topic, frame(n, index, payload))
        assert poll(lambda: any("chunk 1 of" in d for d in _quarantine(hub, "bad_chunk")), 20)
        held = hub.conn.execute("SELECT idx FROM media_chunks WHERE file_id=? ORDER BY idx", (begin.file_id,))
        assert [r[0] for r in held] == [0, 2]  # the good chunks are kept: only chunk 1 travels again
        assert _status(hub, begin.file_id) == "partial"
        publish(inject, topic, frame(4, 1, parts[1]))
        assert poll(lambda: _status(hub, begin.file_id) == "complete", 20)
        assert hub.ingest.media.read(begin.sha256) == data
        stats = dict(hub.conn.execute("SELECT name, value FROM ingest_stats WHERE name LIKE 'chunks_checked_%'"))
        # the three sent in order were checked only by the file's hash; the one sent again, by itself
        assert stats == {"chunks_checked_by_file": 3, "chunks_checked_alone": 1}
    finally:
        inject.loop_stop()
        inject.disconnect()
        kit.store.close()
        hub.stop()
