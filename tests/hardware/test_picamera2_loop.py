"""The Pi's H.264 recorder loop (edge/hardware/camera/picamera2_h264.py), driven through a stand-in for the
part of picamera2 it uses: an encoder whose `output` list gets `outputframe()` once per encoded frame
between `start_encoder` and `stop_encoder`, `Output.start()/stop()` around that, and `PyavOutput(path)`
writing the file. picamera2 cannot be installed off a Pi; the H.264 bytes are its business, the segments,
hand-over and full-disk pause are ours.

Each frame the camera gives the preview stream (`source.read()`) is also encoded while an encoder runs, as
on the Pi where both streams come from the same sensor frame: no thread, no clock, same result each run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import edge.hardware.camera.picamera2_h264 as pi
from edge.hardware.camera import PatternSource


class Output:
    """picamera2.outputs.Output: started and stopped with the encoder; `outputframe` per encoded frame."""

    def __init__(self, pts: Any = None) -> None:
        self.recording = False

    def start(self) -> None:
        self.recording = True

    def stop(self) -> None:
        self.recording = False

    def outputframe(self, frame: Any, keyframe: bool = True, timestamp: Any = None, packet: Any = None,
                    audio: bool = False) -> None:
        pass


class PyavOutput(Output):
    """picamera2.outputs.PyavOutput(path): the container file, written while recording."""

    def __init__(self, output_name: str, format: str | None = None) -> None:
        super().__init__()
        self.path = Path(output_name)
        self.fh: Any = None

    def start(self) -> None:
        super().start()
        self.fh = self.path.open("wb")

    def stop(self) -> None:
        super().stop()
        self.fh.close()

    def outputframe(self, frame: Any, keyframe: bool = True, timestamp: Any = None, packet: Any = None,
                    audio: bool = False) -> None:
        self.fh.write(frame)


class H264Encoder:
    def __init__(self, bitrate: int | None = None, repeat: bool = True, iperiod: int | None = None) -> None:
        self.output: list[Output] = []


class Camera:
    """Picamera2: start_encoder/stop_encoder; `source` reads the preview stream and feeds the encoder."""

    def __init__(self) -> None:
        self.encoder: H264Encoder | None = None
        self.encoded = 0

    def start_encoder(self, encoder: H264Encoder) -> None:
        assert self.encoder is None, "one encoder at a time"
        self.encoder = encoder
        for out in encoder.output:
            out.start()

    def stop_encoder(self) -> None:
        assert self.encoder is not None
        for out in self.encoder.output:
            out.stop()
        self.encoder = None

    def frame(self) -> None:
        if self.encoder is not None:
            self.encoded += 1
            for out in self.encoder.output:
                out.outputframe(b"\x00\x00\x00\x01" + self.encoded.to_bytes(4, "big"))


class Stream(PatternSource):
    def __init__(self, camera: Camera) -> None:
        super().__init__(64, 48, 10)
        self.camera = camera

    def read(self) -> np.ndarray | None:
        frame = super().read()
        self.camera.frame()
        return frame


@pytest.fixture(autouse=True)
def _standin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pi, "_picamera2_encoding", lambda: (H264Encoder, Output, PyavOutput))


def test_segments_of_the_configured_length_are_handed_over(tmp_path: Path) -> None:
    camera = Camera()
    handed: list[tuple[str, int]] = []
    rec = pi.Picamera2SegmentRecorder(camera, Stream(camera), tmp_path, segment_seconds=1.0, max_frames=25,
                                      on_segment=lambda path, _i, _sha, frames, _s, _e: handed.append((path.name, frames)))
    segments = rec.run()
    assert [s.frames for s in segments] == [10, 10, 10]
    assert handed == [(s.file, s.frames) for s in segments] and all(s.file.endswith(".mp4") for s in segments)
    assert [(tmp_path / s.file).stat().st_size for s in segments] == [80, 80, 80]  # 8 bytes a frame here
    assert not list(tmp_path.glob("*.part*"))


def test_a_full_disk_stops_the_encoder_and_starts_none_until_there_is_room(tmp_path: Path) -> None:
    camera = Camera()
    previews: list[int] = []

    def free(_path: Path) -> int:
        return 0 if 15 <= len(previews) < 45 else 10**12  # full after 15 frames, cleared at 45

    rec = pi.Picamera2SegmentRecorder(camera, Stream(camera), tmp_path, segment_seconds=3.0, max_frames=30,
                                      free_bytes=free, on_frame=lambda _f: previews.append(len(previews) + 1))
    segments = rec.run()
    assert rec.frames_dropped > 0 and not rec.paused_for_space
    assert segments[0].frames == 20  # stopped at the next check (each second), not at 30: closed whole
    assert sum(s.frames for s in segments) == rec.frames_written >= 30
    assert camera.encoded == rec.frames_written  # nothing was encoded while paused
    assert len(previews) == rec.frames_written + rec.frames_dropped  # the preview (photo) stream never stopped
    assert not list(tmp_path.glob("*.part*"))
