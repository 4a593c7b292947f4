"""The job's video: segments go into the store the moment they close, and survive a reboot.

The recorder writes segments into a work folder per order on the same disk as the store, so adopting a
closed segment is a rename (`add_file(move=True)`), never a copy. After a crash, whatever is left in the
folder (closed segments not yet adopted, and the one that was open) is adopted as `recovered`: a power cut
loses at most the frames that never reached the disk.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from edge.hardware.camera.recorder import META_DIR
from edge.job.devices import Camera, Segment
from edge.store import KitStore, StoredFile
from edge.store.errors import StoreFull
from protocol.safepath import inside

log = logging.getLogger(__name__)

SEGMENT_KIND = "video.segment"


def work_dir(store: KitStore, order_id: str) -> Path:
    """The order id comes from the hub: a plain name inside video-work/, never a path (`Rejected(bad_id)`)."""
    return inside(store.dir / "video-work", order_id)


class SegmentSink:
    """Moves each closed segment of one order into the store (called from the recorder's thread)."""

    def __init__(self, store: KitStore, order_id: str) -> None:
        self.store = store
        self.order_id = order_id
        # Segments the store refused (its disk full), oldest first: they stay in the work folder and are
        # adopted, in order, with the next segment that closes, or by stop_video's adopt_leftovers.
        self.waiting: list[tuple[Path, str, dict[str, object], str]] = []

    def __call__(self, seg: Segment) -> None:
        self.waiting.append((seg.path, seg.content_type, {
            "index": seg.index, "started_ms": seg.started_ms, "frames": seg.frames, "width": seg.width,
            "height": seg.height}, seg.sha256))
        while self.waiting:
            path, content_type, meta, sha256 = self.waiting[0]
            try:
                self.adopt(path, content_type, meta, sha256)
            except StoreFull as exc:
                # Not the recorder's failure: recording goes on (frames still reach its own folder while
                # there is room) and nothing is lost that was written; the locksmith sees the reason.
                log.warning("video segment %s kept in the work folder (%d waiting): %s", path.name,
                            len(self.waiting), exc)
                return
            self.waiting.pop(0)

    def adopt(self, path: Path, content_type: str, meta: dict[str, object], sha256: str = "") -> StoredFile | None:
        if not path.exists() or path.stat().st_size == 0:
            path.unlink(missing_ok=True)  # an empty file holds no evidence
            return None
        # The recorder hashed the segment as it closed it; the store adopts it by a rename, so it keeps that
        # hash rather than reading and hashing the bytes again.
        return self.store.add_file(kind=SEGMENT_KIND, content_type=content_type, path=path, move=True,
                                   order_id=self.order_id, meta=meta, sha256=sha256 or None)


VIDEO_SUFFIXES = {".mp4": "video/mp4", ".avi": "video/x-msvideo", ".mkv": "video/x-matroska"}


def _content_type(path: Path) -> str:
    return VIDEO_SUFFIXES.get(path.suffix.lower(), "application/octet-stream")


def adopt_leftovers(store: KitStore, order_id: str) -> list[StoredFile]:
    """After a crash: move every file left in the order's work folder into the store, oldest name first."""
    folder = work_dir(store, order_id)
    if not folder.is_dir():
        return []
    sink = SegmentSink(store, order_id)
    out: list[StoredFile] = []
    # Only video files: the recorder keeps its own bookkeeping (segments.json, unreadable/) beside them.
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES):
        stored = sink.adopt(path, _content_type(path), {"recovered": True, "name": path.name})
        if stored is not None:
            out.append(stored)
    return out


def clear_bookkeeping(store: KitStore, order_id: str) -> None:
    """Once the video is stopped and every segment is in the store (the job.video_stopped record lists
    them in order), the recorder's own manifest and playlist in `.video/` say nothing more. Anything set
    aside as unreadable stays for inspection."""
    shutil.rmtree(work_dir(store, order_id) / META_DIR, ignore_errors=True)


def start(camera: Camera, store: KitStore, order_id: str) -> Path:
    folder = work_dir(store, order_id)
    folder.mkdir(parents=True, exist_ok=True)
    camera.start_video(folder, SegmentSink(store, order_id))
    return folder


def segments(store: KitStore, order_id: str) -> list[StoredFile]:
    """The order's segments in capture order: together they are the job's one video."""
    return [f for f in store.files_for_order(order_id) if f.kind == SEGMENT_KIND]
