"""A kit at the hub's open-upload limit (32 unfinished files) is refused new files with `upload_limit`, keeps
them, announces them again, and sends them once a place is free: nothing is dropped on either side."""

from __future__ import annotations

import hashlib
import os
import time

from edge.app import make_kit
from hub.service import make_hub
from protocol import topics
from protocol.envelope import seal_envelope
from protocol.frame import seal_frame
from protocol.ids import new_id
from protocol.limits import MAX_OPEN_UPLOADS
from protocol.messages.media import MediaBegin
from tests.conftest import Deployment
from tests.spine.helpers import poll, publish, raw_client, wait_hub_online


def test_a_kit_at_the_open_upload_limit_waits_then_sends(deployment: Deployment) -> None:
    hub = make_hub(deployment.home.dir)
    hub.start()
    wait_hub_online(deployment.port, deployment.probes["probe-watch"])
    inject = raw_client(deployment.port, "probe", deployment.probes["probe"], "probe")
    kit = make_kit(deployment.kits["kit-a"])
    try:
        # files this kit announced and never finished (say, before its store was replaced), signed with its key
        key, topic, seq, now = kit.store.identity.key, topics.KIT_UP_MEDIA.build(kit_id="kit-a"), 8_000_000, \
            int(time.time() * 1000)
        left: list[tuple[str, bytes]] = []
        for n in range(MAX_OPEN_UPLOADS["kit"]):
            data = os.urandom(1000 + n)
            fid = new_id(now + n)
            left.append((fid, data))
            begin = MediaBegin(file_id=fid, kind="video.segment", content_type="video/mp4", size=len(data),
                               sha256=hashlib.sha256(data).hexdigest(), chunk_size=len(data), chunks=1,
                               captured_at=now)
            publish(inject, topic, seal_envelope(key, sender="kit-a", seq=seq + n, ts=now, type_name="media.begin",
                                                 body=begin).to_wire())
        open_now = "SELECT COUNT(*) FROM media_files WHERE sender='kit-a' AND status='partial'"
        assert poll(lambda: hub.conn.execute(open_now).fetchone()[0] == MAX_OPEN_UPLOADS["kit"], 20)

        f = kit.store.add_file(kind="photo.lock_before", content_type="image/jpeg", data=os.urandom(30_000),
                               order_id="01JGZ0000000000000000000AA")
        kit.start()
        refused = "SELECT detail FROM quarantine WHERE reason='upload_limit' AND sender='kit-a'"
        assert poll(lambda: hub.conn.execute(refused).fetchone() is not None, 20)
        assert "finish those first" in hub.conn.execute(refused).fetchone()[0]
        assert kit.store.backlog()[1] == 1  # the kit still holds it, pending

        fid, data = left[0]  # one of the old uploads finishes: a place is free
        publish(inject, topic, seal_frame(key, sender="kit-a", seq=seq + 100, ts=now, file_id=fid, index=0, data=data,
                                          sha256=hashlib.sha256(data).hexdigest()))
        assert poll(lambda: kit.store.backlog()[1] == 0, 30), kit.sync.status()
        status = hub.conn.execute("SELECT status FROM media_files WHERE file_id=?", (f.file_id,)).fetchone()[0]
        assert status == "complete" and hub.ingest.media.has(f.sha256)
    finally:
        inject.loop_stop()
        inject.disconnect()
        kit.stop()
        hub.stop()
