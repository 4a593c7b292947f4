"""The one camera interface the kit uses, whatever the backend."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np

from edge.hardware.camera.codecs import Choice, choose
from edge.hardware.camera.recorder import OnSegment, SegmentInfo, SegmentRecorder, recover
from edge.hardware.camera.sources import CameraUnavailable, FrameSource
from edge.hardware.config import CameraConfig
from protocol.clock import Clock, SystemClock
from protocol.i18n import _


class Camera:
    """Photos (JPEG) and segmented video from one FrameSource, sized and paced by CameraConfig.

    While recording, the recorder thread owns the source; photo() then uses the latest recorded frame,
    so the photo and the video show the same moment and the source is never read by two threads.
    """

    def __init__(self, source: FrameSource, config: CameraConfig, *, clock: Clock | None = None) -> None:
        self.source = source
        self.config = config
        self.clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._last: np.ndarray | None = None
        self._recorder: SegmentRecorder | None = None
        self._choice: Choice | None = None

    @property
    def choice(self) -> Choice:
        """The codec and encoder the configured `codec` means here (probed once)."""
        if self._choice is None:
            self._choice = choose(self.config.codec, backend=self.config.backend)
        return self._choice

    @property
    def size(self) -> tuple[int, int]:
        return self.source.width, self.source.height

    def frame(self, first_frame_wait_s: float = 2.0) -> np.ndarray:
        """The current frame; while recording, the recorder's latest (waiting up to `first_frame_wait_s` for
        its first one: a photo taken the moment the video starts, as a quick tap does, is not a fault)."""
        deadline = time.monotonic() + first_frame_wait_s
        while True:
            with self._lock:
                if self._recorder is not None and self._last is not None:
                    return self._last.copy()
                recording = self._recorder is not None
            if not recording or time.monotonic() >= deadline:
                break
            time.sleep(0.02)
        frame = self.source.read() if self._recorder is None else None
        if frame is None:
            raise CameraUnavailable(_("The camera gave no picture"))
        return frame

    def photo(self) -> bytes:
        """One frame as JPEG bytes at the configured quality."""
        ok, buf = cv2.imencode(".jpg", self.frame(), [cv2.IMWRITE_JPEG_QUALITY, self.config.jpeg_quality])
        if not ok:
            raise CameraUnavailable(_("The photo could not be encoded as JPEG"))
        return buf.tobytes()

    def _keep(self, frame: np.ndarray) -> None:
        with self._lock:
            self._last = frame

    def start_recording(self, directory: Path, on_segment: OnSegment | None = None, *,
                        recover_leftovers: bool = True) -> SegmentRecorder:
        """Record into `directory` until stop_recording(). Leftover `.part` files from a crash are recovered
        first (and handed to on_segment) so the video's segment list stays complete."""
        if self._recorder is not None:
            raise RuntimeError("already recording")
        if recover_leftovers:
            recover(Path(directory), on_segment, self.clock)
        choice = self.choice
        encoded = getattr(self.source, "encoded_recorder", None)
        if choice.encoder.startswith("picamera2:") and encoded is not None:
            # The Pi's encoder reads the camera itself; frames for photo() still come from the source.
            rec: SegmentRecorder = encoded(Path(directory), segment_seconds=self.config.segment_seconds,
                                           on_segment=on_segment, clock=self.clock, on_frame=self._keep)
        else:
            rec = SegmentRecorder(self.source, Path(directory), segment_seconds=self.config.segment_seconds,
                                  codec=choice, on_segment=on_segment, clock=self.clock, on_frame=self._keep)
        self._recorder = rec
        return rec.start()

    @property
    def recording(self) -> bool:
        return self._recorder is not None

    @property
    def paused_for_space(self) -> bool:
        """Recording, but writing nothing until the disk has room again (recorder.py, RESERVE_BYTES)."""
        rec = self._recorder
        return rec is not None and rec.paused_for_space

    def stop_recording(self) -> list[SegmentInfo]:
        rec, self._recorder = self._recorder, None
        with self._lock:
            self._last = None
        return rec.stop() if rec is not None else []

    def close(self) -> None:
        if self._recorder is not None:
            self.stop_recording()
        self.source.close()
