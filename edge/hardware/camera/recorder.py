"""Segmented video recording: a power cut loses at most the segment being written.

Each segment is written under a temporary name (`seg-00003.part.mp4`; the container is chosen from the
last extension, so `.part` goes before it) and, once closed, is fsynced, hashed, renamed to its final name
(`seg-00003.mp4`), the directory fsynced, the manifest (`.video/segments.json`, the job's one video:
order, files, hashes, frame counts, times) rewritten atomically, and only then handed to `on_segment`,
from the recorder thread. The manifest and the ffmpeg playlist live in the `.video/` subfolder so that a
consumer that takes every file of the folder (the kit store adopting segments) only sees segments; the
consumer may move a segment away as soon as it is handed over. Segment length is counted in frames (segment_seconds x fps), so it does not depend on
the wall clock; the start/end times come from the injected clock.

The capture thread only releases the writer (which completes the file); fsync, hashing, renaming, the
manifest and the callback run on a second "closer" thread, in segment order, so a live camera is not
left unread (and dropping frames) while the disk flushes. stop() and wait() return once every segment
has been handed over.

A full disk does not cost a segment. OpenCV's writer fails silently once the disk is full, and an MP4 it
cannot finish has no index, so the whole segment would be unplayable. The recorder checks the free space
when it opens a segment and about once a second. Below `reserve_bytes` it closes the open segment while
there is still room to finish it, and stops writing: `paused_for_space` is set, the frames it cannot keep are
counted (`frames_dropped`), and the segments' start and end times show the gap. Once there is room again it
opens the next segment.

After a crash, `recover()` looks at leftover `.part` files: one that OpenCV can read is kept as a segment
(renamed `seg-00003.recovered.mp4`, hashed, listed); one it cannot read is moved to `unreadable/`, never
deleted, for a person to look at.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import re
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.hardware.camera.codecs import Choice, FrameWriter, choose, open_writer
from edge.hardware.camera.sources import FrameSource
from protocol.clock import Clock, SystemClock
from protocol.durable import fsync_path

log = logging.getLogger(__name__)

OnSegment = Callable[[Path, int, str, int, int, int], None]  # path, index, sha256, frames, started_ms, ended_ms
# Free space below which no segment is written: a few minutes of 720p15 mp4v (7 MB/min) to finish the open
# segment and the store's own work, above the kit store's reserve (disk_reserve_mb, 20 MB by default).
RESERVE_BYTES = 64 * 1024 * 1024
META_DIR = ".video"
MANIFEST = "segments.json"
_SEG = re.compile(r"^seg-(\d{5})(\.part|\.recovered)?\.(mp4|avi)$")


@dataclass(frozen=True)
class SegmentInfo:
    index: int
    file: str
    sha256: str
    frames: int
    started_ms: int
    ended_ms: int
    bytes: int
    recovered: bool = False


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()




def read_manifest(directory: Path) -> list[SegmentInfo]:
    path = Path(directory) / META_DIR / MANIFEST
    if not path.exists():
        return []
    return [SegmentInfo(**row) for row in json.loads(path.read_text())["segments"]]


def _write_manifest(directory: Path, segments: list[SegmentInfo]) -> None:
    meta = directory / META_DIR
    meta.mkdir(exist_ok=True)
    tmp = meta / (MANIFEST + ".tmp")
    with open(tmp, "w") as fh:
        json.dump({"format": "lockwarden-video-segments/1", "segments": [asdict(s) for s in segments]}, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, meta / MANIFEST)
    # The same video as an ffmpeg concat playlist:
    #   ffmpeg -f concat -safe 0 -i .video/playlist.ffconcat -c copy job.mp4
    lines = ["ffconcat version 1.0"] + [f"file '../{s.file}'" for s in segments]
    (meta / "playlist.ffconcat").write_text("\n".join(lines) + "\n")
    fsync_path(meta)
    fsync_path(directory)


def count_frames(path: Path) -> int:
    """Frames OpenCV can decode from a file (0 when it cannot open it)."""
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        return 0
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    return n


def recover(directory: Path, on_segment: OnSegment | None = None, clock: Clock | None = None) -> list[SegmentInfo]:
    """Deal with `.part` files left by a crash (see module doc). Returns the segments recovered."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    segments = read_manifest(directory)
    out: list[SegmentInfo] = []
    now = (clock or SystemClock()).now_ms()
    for part in sorted(directory.glob("seg-*.part.*")):
        m = _SEG.match(part.name)
        if not m:
            continue
        index, ext = int(m.group(1)), m.group(3)
        frames = count_frames(part) if part.stat().st_size else 0
        if frames == 0:
            aside = directory / "unreadable"
            aside.mkdir(exist_ok=True)
            os.replace(part, aside / part.name)
            fsync_path(directory)
            continue
        final = directory / f"seg-{index:05d}.recovered.{ext}"
        fsync_path(part)
        os.replace(part, final)
        info = SegmentInfo(index, final.name, sha256_file(final), frames, now, now, final.stat().st_size, True)
        segments.append(info)
        out.append(info)
    if out:
        segments.sort(key=lambda s: s.index)
        _write_manifest(directory, segments)
        for info in out:
            if on_segment is not None:
                on_segment(directory / info.file, info.index, info.sha256, info.frames, info.started_ms, info.ended_ms)
    return out


class SegmentRecorder:
    """Reads frames from `source` on a thread and writes them in segments into `directory`."""

    def __init__(self, source: FrameSource, directory: Path, *, segment_seconds: float,
                 codec: str | Choice = "mp4v", on_segment: OnSegment | None = None, clock: Clock | None = None,
                 on_frame: Callable[[np.ndarray], None] | None = None, max_frames: int | None = None,
                 free_bytes: Callable[[Path], int] | None = None, reserve_bytes: int = RESERVE_BYTES) -> None:
        """`codec`: a hardware.toml setting ("auto", "h264", "mp4v", "MJPG"; see codecs.choose) or a Choice.
        `free_bytes(directory)`: the free space there (the disk's, unless a test injects it)."""
        self.choice = codec if isinstance(codec, Choice) else choose(codec)
        self.source = source
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.codec = self.choice.codec
        self.frames_per_segment = max(1, round(segment_seconds * source.fps))
        self.on_segment = on_segment
        self.on_frame = on_frame
        self.clock = clock or SystemClock()
        self.max_frames = max_frames
        self.segments: list[SegmentInfo] = read_manifest(self.directory)
        self.frames_written = 0
        self.frames_dropped = 0  # read while the disk was too full to keep them
        self.paused_for_space = False
        self.free_bytes = free_bytes or (lambda path: shutil.disk_usage(path).free)
        self.reserve_bytes = reserve_bytes
        self._check_every = max(1, round(source.fps))
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closing: queue.Queue[tuple[Path, int, int, int, int] | None] = queue.Queue()
        self._closer: threading.Thread | None = None
        # Continue the numbering after everything this folder ever held: files still here, files set aside,
        # and segments listed in the manifest that a consumer has already moved away.
        existing = [int(m.group(1)) for p in self.directory.rglob("seg-*") if (m := _SEG.match(p.name))]
        existing += [s.index for s in self.segments]
        self._next_index = max(existing, default=0) + 1

    def start(self) -> SegmentRecorder:
        self._thread = threading.Thread(target=self._run_safely, name="segment-recorder", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> list[SegmentInfo]:
        """Close the open segment (it is handed to on_segment) and stop. Returns every segment."""
        self._stop.set()
        return self.wait()

    def wait(self) -> list[SegmentInfo]:
        """Run until the source ends (a file) or max_frames; returns every segment."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.error is not None:
            raise self.error
        return list(self.segments)

    def run(self) -> list[SegmentInfo]:
        """Record in the calling thread until the source ends, max_frames, or stop()."""
        self._run_safely()
        if self.error is not None:
            raise self.error
        return list(self.segments)

    def _run_safely(self) -> None:
        self._closer = threading.Thread(target=self._close_loop, name="segment-closer", daemon=True)
        self._closer.start()
        try:
            self._capture()
        except BaseException as exc:  # surfaced by stop()/wait()/run()
            self.error = exc
        finally:
            self._closing.put(None)
            self._closer.join()

    def _close_loop(self) -> None:
        while (item := self._closing.get()) is not None:
            try:
                self._finish(*item)
            except BaseException as exc:
                self.error = self.error or exc

    def _capture(self) -> None:
        writer: FrameWriter | None = None
        part: Path | None = None
        index = started = frames = seen = 0
        size = (self.source.width, self.source.height)
        try:
            while not self._stop.is_set():
                if self.max_frames is not None and self.frames_written >= self.max_frames:
                    break
                frame = self.source.read()
                if frame is None:
                    break
                seen += 1
                if (writer is None or seen % self._check_every == 0) and self._too_full():
                    if writer is not None:  # closed while there is room to finish it: a whole, playable file
                        assert part is not None
                        writer.release()
                        self._closing.put((part, index, frames, started, self.clock.now_ms()))
                        writer = None
                    self.frames_dropped += 1
                    continue
                if writer is None:
                    index = self._next_index
                    self._next_index += 1
                    part = self.directory / f"seg-{index:05d}.part{self.choice.ext}"
                    writer = open_writer(self.choice, part, self.source.fps, size)
                    if not writer.isOpened():
                        raise RuntimeError(f"cannot open a {self.choice.encoder} writer for {part}")
                    started, frames = self.clock.now_ms(), 0
                writer.write(frame)
                frames += 1
                self.frames_written += 1
                if self.on_frame is not None:
                    self.on_frame(frame)
                if frames >= self.frames_per_segment:
                    assert part is not None
                    writer.release()
                    self._closing.put((part, index, frames, started, self.clock.now_ms()))
                    writer = None
        finally:
            if writer is not None and part is not None:
                writer.release()
                self._closing.put((part, index, frames, started, self.clock.now_ms()))

    def _too_full(self) -> bool:
        """Whether the disk is below the reserve now; logs each change once."""
        try:
            low = self.free_bytes(self.directory) < self.reserve_bytes
        except OSError:
            low = False  # cannot tell: keep recording (a write that fails still surfaces)
        if low != self.paused_for_space:
            self.paused_for_space = low
            if low:
                log.warning("video paused: %s has less than %d MB free; the open segment was closed whole",
                            self.directory, self.reserve_bytes // 2**20)
            else:
                log.warning("video resumed: space again in %s (%d frames were not kept)", self.directory,
                            self.frames_dropped)
        return low

    def _finish(self, part: Path, index: int, frames: int, started: int, ended: int) -> None:
        fsync_path(part)
        final = part.with_name(part.name.replace(".part", ""))
        os.replace(part, final)
        info = SegmentInfo(index, final.name, sha256_file(final), frames, started, ended, final.stat().st_size)
        self.segments.append(info)
        _write_manifest(self.directory, self.segments)  # fsyncs the directory: the rename is durable
        if self.on_segment is not None:
            self.on_segment(final, index, info.sha256, frames, started, ended)


def export(directory: Path, out: Path, codec: str = "mp4v") -> int:
    """Concatenate the segments listed in the manifest into one file. Returns frames written."""
    directory = Path(directory)
    return concat([(directory / seg.file, seg.sha256) for seg in read_manifest(directory)], out, codec)


def concat(files: Iterable[tuple[Path, str | None]], out: Path, codec: str = "mp4v") -> int:
    """One video from segment files in order, each checked against its SHA-256 first (re-encoded by
    OpenCV; with ffmpeg installed, `.video/playlist.ffconcat` does the same without re-encoding)."""
    choice = choose(codec)
    writer: FrameWriter | None = None
    n = 0
    for path, sha in files:
        if sha is not None and sha256_file(path) != sha:
            raise ValueError(f"{path.name}: hash does not match the manifest")
        cap = cv2.VideoCapture(str(path))
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if writer is None:
                fps = cap.get(cv2.CAP_PROP_FPS) or 15.0
                writer = open_writer(choice, out, fps, (frame.shape[1], frame.shape[0]))
            writer.write(frame)
            n += 1
        cap.release()
    if writer is not None:
        writer.release()
    return n
