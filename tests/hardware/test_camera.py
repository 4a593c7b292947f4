from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import msgspec
import numpy as np
import pytest

from edge.hardware.camera import (
    Camera,
    CameraUnavailable,
    OpenCvSource,
    PatternSource,
    Picamera2Source,
    SegmentRecorder,
)
from edge.hardware.camera.recorder import concat, count_frames, export, read_manifest, recover, sha256_file
from edge.hardware.config import CameraConfig, from_dict
from edge.hardware.factory import make_camera
from protocol.clock import FakeClock
from protocol.settings import SettingsError

ROOT = Path(__file__).resolve().parents[2]


class Calls:
    def __init__(self) -> None:
        self.rows: list[tuple[Path, int, str, int, int, int]] = []

    def __call__(self, path: Path, index: int, sha: str, frames: int, started: int, ended: int) -> None:
        self.rows.append((path, index, sha, frames, started, ended))


def test_config_is_typed_and_strict() -> None:
    # A SettingsError naming the field: the CLI says it in one line, exit 2.
    with pytest.raises(SettingsError, match="widht"):
        from_dict({"camera": {"widht": 640}})
    with pytest.raises(SettingsError, match="codec"):
        from_dict({"camera": {"codec": "x265"}})
    with pytest.raises((ValueError, msgspec.ValidationError)):
        msgspec.convert({"jpeg_quality": 0}, CameraConfig)
    assert from_dict({"camera": {"width": 640, "height": 480}}).camera.fps == 15.0


def test_photo_jpeg_size_and_quality() -> None:
    sizes = {}
    for q in (30, 95):
        cam = make_camera(CameraConfig(width=640, height=360, jpeg_quality=q, pattern_realtime=False))
        jpeg = cam.photo()
        assert jpeg[:2] == b"\xff\xd8" and jpeg[-2:] == b"\xff\xd9"
        img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert img is not None and img.shape == (360, 640, 3)
        sizes[q] = len(jpeg)
        cam.close()
    assert sizes[95] > sizes[30]


@pytest.mark.parametrize(("codec", "ext"), [("mp4v", ".mp4"), ("MJPG", ".avi")])
def test_segmented_recording_from_pattern(tmp_path: Path, codec: str, ext: str) -> None:
    clock = FakeClock()
    cfg = CameraConfig(width=320, height=240, fps=10, segment_seconds=1.0, codec=codec)  # type: ignore[arg-type]
    source = PatternSource(320, 240, 10, clock=clock)
    calls = Calls()
    rec = SegmentRecorder(source, tmp_path, segment_seconds=cfg.segment_seconds, codec=codec, on_segment=calls,
                          clock=clock, max_frames=35)
    segments = rec.run()
    assert [s.frames for s in segments] == [10, 10, 10, 5]
    assert [c[1] for c in calls.rows] == [1, 2, 3, 4]
    for (path, _index, sha, frames, started, ended), seg in zip(calls.rows, segments, strict=True):
        assert path.suffix == ext and ".part" not in path.name
        assert sha == sha256_file(path) == seg.sha256
        assert count_frames(path) == frames
        assert started <= ended
    assert read_manifest(tmp_path) == segments
    playlist = (tmp_path / ".video" / "playlist.ffconcat").read_text().splitlines()
    assert playlist[1:] == [f"file '../{s.file}'" for s in segments]
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [s.file for s in segments]
    assert not list(tmp_path.glob("*.part*"))
    assert export(tmp_path, tmp_path / f"job{ext}", codec) == 35
    assert count_frames(tmp_path / f"job{ext}") == 35


def test_recording_from_a_video_file_keeps_every_frame_in_order(tmp_path: Path) -> None:
    src = tmp_path / "input.avi"
    w = cv2.VideoWriter(str(src), cv2.VideoWriter.fourcc(*"MJPG"), 15, (320, 240))
    for i in range(45):
        w.write(np.full((240, 320, 3), i * 5, np.uint8))  # each frame has its own brightness
    w.release()
    cam = Camera(OpenCvSource(str(src), 160, 120, 15), CameraConfig(width=160, height=120, fps=15, segment_seconds=1.0,
                                                                    codec="MJPG"), clock=FakeClock())
    out = tmp_path / "video"
    calls = Calls()
    rec = cam.start_recording(out, calls)
    segments = rec.wait()
    cam.stop_recording()
    assert [s.frames for s in segments] == [15, 15, 15]
    means = []
    for seg in segments:
        cap = cv2.VideoCapture(str(out / seg.file))
        while (got := cap.read())[0]:
            assert got[1].shape == (120, 160, 3)  # resized to the configured size
            means.append(float(got[1].mean()))
    assert len(means) == 45
    assert all(abs(m - i * 5) < 3 for i, m in enumerate(means)), means


def test_photo_while_recording_is_the_latest_frame(tmp_path: Path) -> None:
    cam = make_camera(CameraConfig(width=320, height=240, fps=30, segment_seconds=0.5))
    calls = Calls()
    cam.start_recording(tmp_path, calls)
    try:
        for _ in range(1000):
            if cam._last is not None:
                break
            time.sleep(0.01)
        img = cv2.imdecode(np.frombuffer(cam.photo(), np.uint8), cv2.IMREAD_COLOR)
        assert img is not None and img.shape == (240, 320, 3)
    finally:
        segments = cam.stop_recording()
    assert segments and segments[-1].frames >= 1
    assert len(calls.rows) == len(segments)


@pytest.mark.parametrize("codec", ["mp4v", "MJPG"])
def test_power_cut_loses_at_most_the_open_segment(tmp_path: Path, codec: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, str(Path(__file__).with_name("record_child.py")), str(tmp_path), codec,
                              "25"], stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdout is not None
    lines = []
    for line in child.stdout:
        lines.append(line.split())
        if line.startswith("MID"):
            break
    child.send_signal(signal.SIGKILL)  # the power cut: no cleanup, no finally
    child.wait(timeout=10)
    closed = [row for row in lines if row[0] == "SEG"]
    assert [int(row[1]) for row in closed] == [1, 2]
    manifest = read_manifest(tmp_path)
    assert [(s.index, s.sha256, s.frames) for s in manifest] == [(int(r[1]), r[2], int(r[3])) for r in closed]
    for seg in manifest:  # completed segments intact: hash and every frame
        assert sha256_file(tmp_path / seg.file) == seg.sha256
        assert count_frames(tmp_path / seg.file) == seg.frames == 10
    parts = list(tmp_path.glob("seg-00003.part.*"))
    assert len(parts) == 1  # the open segment is all that is at stake
    calls = Calls()
    recovered = recover(tmp_path, calls)
    if recovered:  # readable: kept as a segment, hashed and listed
        assert recovered[0].index == 3 and 1 <= recovered[0].frames <= 5
        assert calls.rows[0][2] == sha256_file(tmp_path / recovered[0].file)
        assert [s.index for s in read_manifest(tmp_path)] == [1, 2, 3]
    else:  # unreadable: set aside, never deleted
        assert (tmp_path / "unreadable" / parts[0].name).exists()
        assert [s.index for s in read_manifest(tmp_path)] == [1, 2]
    assert not list(tmp_path.glob("seg-*.part.*"))
    # Recording again in the same folder continues the numbering: nothing is overwritten.
    rec = SegmentRecorder(PatternSource(320, 240, 10), tmp_path, segment_seconds=1.0, codec=codec, max_frames=10)
    assert [s.index for s in rec.run()][-1] == 4


def test_numbering_continues_after_the_consumer_moved_segments_away(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    work = tmp_path / "work"
    moved = lambda path, *rest: path.rename(store / path.name)  # noqa: E731  (what the kit store does)
    SegmentRecorder(PatternSource(160, 120, 10), work, segment_seconds=1.0, on_segment=moved, max_frames=20).run()
    assert sorted(p.name for p in store.iterdir()) == ["seg-00001.mp4", "seg-00002.mp4"]
    later = SegmentRecorder(PatternSource(160, 120, 10), work, segment_seconds=1.0, on_segment=moved, max_frames=10)
    assert [s.index for s in later.run()] == [1, 2, 3]
    assert (store / "seg-00003.mp4").exists()
    # The job's one video from wherever its segments now live, each checked against its hash.
    listed = {s.file: s.sha256 for s in read_manifest(work)}
    files = [(store / name, sha) for name, sha in sorted(listed.items())]
    assert concat(files, tmp_path / "job.mp4") == 30
    (store / "seg-00002.mp4").write_bytes(b"tampered")
    with pytest.raises(ValueError, match="hash"):
        concat(files, tmp_path / "job2.mp4")


def test_picamera2_is_only_imported_when_used() -> None:
    assert "picamera2" not in sys.modules
    try:
        import picamera2  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        with pytest.raises(CameraUnavailable, match="picamera2"):
            Picamera2Source(640, 480, 15)
    else:  # pragma: no cover - on a Pi
        pytest.skip("picamera2 present: hardware test belongs on the kit")


def test_missing_device_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CameraUnavailable):
        OpenCvSource(str(tmp_path / "nope.mp4"), 320, 240, 15)


def test_recover_keeps_a_readable_leftover_and_sets_aside_an_unreadable_one(tmp_path: Path) -> None:
    rec = SegmentRecorder(PatternSource(160, 120, 10), tmp_path, segment_seconds=1.0, codec="MJPG", max_frames=10)
    [first] = rec.run()
    # A segment whose writer was closed but which was never renamed (crash between the two steps) ...
    readable = tmp_path / "seg-00002.part.avi"
    w = cv2.VideoWriter(str(readable), cv2.VideoWriter.fourcc(*"MJPG"), 10, (160, 120))
    for _ in range(4):
        w.write(np.zeros((120, 160, 3), np.uint8))
    w.release()
    # ... and one cut off after its header.
    (tmp_path / "seg-00003.part.mp4").write_bytes(b"\x00\x00\x00\x1cftypisom" + bytes(20))
    calls = Calls()
    recovered = recover(tmp_path, calls)
    assert [(s.index, s.frames, s.recovered) for s in recovered] == [(2, 4, True)]
    assert (tmp_path / "seg-00002.recovered.avi").exists() and not readable.exists()
    assert calls.rows[0][1:4] == (2, sha256_file(tmp_path / "seg-00002.recovered.avi"), 4)
    assert (tmp_path / "unreadable" / "seg-00003.part.mp4").exists()
    assert [s.index for s in read_manifest(tmp_path)] == [first.index, 2]


def test_a_full_disk_pauses_the_video_between_whole_segments(tmp_path: Path) -> None:
    """Below the reserve the open segment is closed while it can still be finished (an MP4 OpenCV cannot
    finish has no index and is unplayable), frames are not written, and recording resumes with a new segment
    once there is room: every segment on disk plays, none is left half-written."""
    def free(_path: Path) -> int:
        seen = rec.frames_written + rec.frames_dropped
        return 0 if 15 <= seen < 35 else 10**12  # the disk fills after 15 frames and is cleared at 35

    calls = Calls()
    rec = SegmentRecorder(PatternSource(160, 120, 10), tmp_path, segment_seconds=1.0, codec="mp4v", on_segment=calls,
                          max_frames=30, free_bytes=free, reserve_bytes=64 * 1024 * 1024)
    paused: list[bool] = []
    rec.on_frame = lambda _f: paused.append(rec.paused_for_space)
    segments = rec.run()
    assert rec.frames_dropped > 0 and not rec.paused_for_space
    assert sum(s.frames for s in segments) == rec.frames_written == 30
    assert segments[1].frames < 10  # cut short, and closed whole, when the disk filled
    for seg in segments:
        assert count_frames(tmp_path / seg.file) == seg.frames  # each one plays, to its last frame
    assert not list(tmp_path.glob("*.part*")) and len(calls.rows) == len(segments)
    assert not any(paused)  # no frame was written while paused
