"""Segments from the Pi's own H.264 encoder: picamera2's `H264Encoder` into `PyavOutput` .mp4 files.

The encoder reads the camera itself (no frame passes through Python to be encoded), so this recorder only
starts it on a segment's `.part.mp4`, lets it run for the segment's frames (counted by an Output of our
own that sees every encoded frame), stops it, and hands the file to the same closer as SegmentRecorder:
fsync, rename, hash, manifest, on_segment, and the same crash recovery. Meanwhile it reads frames from the
source at the camera's pace for `on_frame` (photo() during a recording).

Stopping and starting the encoder between segments loses the frames of that moment (a few, on the order of
the encoder's start-up); each segment starts on a key frame and plays alone. A Pi 5 has no hardware H.264
encoder: there picamera2 encodes in software (libav) behind the same class.

Like SegmentRecorder it pauses whole on a full disk: below the reserve it stops the encoder (the segment is
closed whole) and starts none until there is room, still reading frames for `on_frame`.

This module only runs on Raspberry Pi OS with python3-picamera2 and a camera. The test suite drives its loop
through a stand-in for picamera2's encoder and output contract (tests/hardware/test_picamera2_loop.py) and
checks it fails clearly where picamera2 is missing (see docs/hardware.md).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from edge.hardware.camera.codecs import Choice
from edge.hardware.camera.recorder import RESERVE_BYTES, OnSegment, SegmentRecorder
from edge.hardware.camera.sources import CameraUnavailable
from protocol.clock import Clock
from protocol.i18n import _

CHOICE = Choice("h264", "h264", "picamera2:H264Encoder")


def _picamera2_encoding() -> tuple[Any, Any, Any]:
    try:
        from picamera2.encoders import H264Encoder  # type: ignore[import-not-found]
        from picamera2.outputs import Output, PyavOutput  # type: ignore[import-not-found]
    except ImportError as exc:
        raise CameraUnavailable(_("picamera2's H.264 encoder and PyAV output are not installed (Raspberry Pi OS: "
                                  "apt install python3-picamera2 python3-av)")) from exc
    return H264Encoder, Output, PyavOutput


class Picamera2SegmentRecorder(SegmentRecorder):
    """SegmentRecorder whose capture loop drives picamera2's encoder instead of a frame writer.

    `camera`: the started Picamera2 object; `source`: the FrameSource over it (size, fps, photo frames).
    `bitrate`: bits per second asked of the encoder (None: picamera2's default for the size and rate)."""

    def __init__(self, camera: Any, source: Any, directory: Path, *, segment_seconds: float,
                 on_segment: OnSegment | None = None, clock: Clock | None = None,
                 on_frame: Callable[[np.ndarray], None] | None = None, bitrate: int | None = None,
                 max_frames: int | None = None, free_bytes: Callable[[Path], int] | None = None,
                 reserve_bytes: int = RESERVE_BYTES) -> None:
        self._classes = _picamera2_encoding()  # fail at start, not in the recorder thread
        super().__init__(source, directory, segment_seconds=segment_seconds, codec=CHOICE, on_segment=on_segment,
                         clock=clock, on_frame=on_frame, max_frames=max_frames, free_bytes=free_bytes,
                         reserve_bytes=reserve_bytes)
        self.camera = camera
        self.bitrate = bitrate

    def _capture(self) -> None:
        h264_encoder, output_base, pyav_output = self._classes
        counted = [0]

        class FrameCounter(output_base):  # type: ignore[misc, valid-type]
            """Sees every encoded frame the file gets (picamera2 calls each output per frame)."""

            def outputframe(self, frame: Any, keyframe: bool = True, timestamp: Any = None, packet: Any = None,
                            audio: bool = False) -> None:
                if not audio:
                    counted[0] += 1

        # A key frame every second as well as at each start: a file cut short by a power cut still decodes.
        encoder = h264_encoder(bitrate=self.bitrate, iperiod=max(1, round(self.source.fps)))
        while not self._stop.is_set():
            if self.max_frames is not None and self.frames_written >= self.max_frames:
                break
            if self._too_full():  # no segment is started until the disk has room (recorder.py)
                frame = self.source.read()
                if frame is not None:
                    self.frames_dropped += 1
                    if self.on_frame is not None:
                        self.on_frame(frame)
                continue
            index = self._next_index
            self._next_index += 1
            part = self.directory / f"seg-{index:05d}.part{CHOICE.ext}"
            counted[0] = 0
            encoder.output = [pyav_output(str(part)), FrameCounter()]
            started = self.clock.now_ms()
            self.camera.start_encoder(encoder)
            try:
                read = 0
                while counted[0] < self.frames_per_segment and not self._stop.is_set():
                    frame = self.source.read()  # paced by the camera
                    if frame is not None and self.on_frame is not None:
                        self.on_frame(frame)
                    read += 1
                    if read % self._check_every == 0 and self._too_full():
                        break  # stopping the encoder closes the segment whole
            finally:
                self.camera.stop_encoder()
            self.frames_written += counted[0]
            self._closing.put((part, index, counted[0], started, self.clock.now_ms()))
