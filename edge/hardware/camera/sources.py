"""Frame sources behind the one Camera interface: OpenCV (USB index, V4L2 device, video file), picamera2
(imported only when used, i.e. on a Pi), and a generated test pattern.

A source yields BGR uint8 frames of the configured size (it resizes when the device gives another size).
"""

from __future__ import annotations

import time
from typing import Any, Protocol

import cv2
import numpy as np

from protocol.clock import Clock, SystemClock
from protocol.i18n import _


class CameraUnavailable(RuntimeError):
    """The camera cannot be opened or stopped giving frames."""


class FrameSource(Protocol):
    width: int
    height: int
    fps: float

    def read(self) -> np.ndarray | None:
        """The next BGR frame, or None at the end of a file."""
        ...

    def close(self) -> None: ...


def _fit(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    if frame.shape[1] != width or frame.shape[0] != height:
        frame = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
    return frame


class PatternSource:
    """Colour bars, a moving block, the frame counter and the clock's time: every frame is different and
    says which one it is, so a test can check that no frame was lost or reordered.

    realtime=True paces frames at `fps` (a demo looks like a camera); False gives them as fast as they can
    be drawn (tests and benchmarks)."""

    def __init__(self, width: int, height: int, fps: float, *, clock: Clock | None = None,
                 realtime: bool = False) -> None:
        self.width, self.height, self.fps = width, height, fps
        self.clock = clock or SystemClock()
        self.realtime = realtime
        self.count = 0
        bars = np.array([[255, 255, 255], [0, 255, 255], [255, 255, 0], [0, 255, 0], [255, 0, 255],
                         [0, 0, 255], [255, 0, 0], [16, 16, 16]], dtype=np.uint8)
        cols = (np.arange(width) * len(bars) // width).astype(np.intp)
        self._base = np.repeat(bars[cols][None, :, :], height, axis=0)
        self._next = time.monotonic()

    def read(self) -> np.ndarray | None:
        if self.realtime:
            delay = self._next - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._next = max(self._next, time.monotonic() - 1) + 1 / self.fps
        frame = self._base.copy()
        n = self.count
        self.count += 1
        size = max(8, self.height // 8)
        x = (n * 8) % max(1, self.width - size)
        y = self.height - size - 4
        frame[y : y + size, x : x + size] = (0, 0, 0)
        scale = max(0.5, self.height / 360)
        cv2.rectangle(frame, (0, 0), (int(560 * scale), int(40 * scale)), (0, 0, 0), -1)
        ts = self.clock.now_ms()
        cv2.putText(frame, f"#{n:06d} t={ts}", (int(6 * scale), int(30 * scale)), cv2.FONT_HERSHEY_SIMPLEX,
                    scale, (255, 255, 255), max(1, int(2 * scale)), cv2.LINE_AA)
        return frame

    def close(self) -> None:
        pass


class OpenCvSource:
    """cv2.VideoCapture on a camera index ("0"), a V4L2 device ("/dev/video0") or a video file."""

    def __init__(self, source: str, width: int, height: int, fps: float, *, loop: bool = False) -> None:
        self.width, self.height, self.fps = width, height, fps
        self.loop = loop
        self.source = source
        if source.isdigit():
            cap = cv2.VideoCapture(int(source))
            self.is_file = False
        elif source.startswith("/dev/video"):
            cap = cv2.VideoCapture(source, cv2.CAP_V4L2)
            self.is_file = False
        else:
            cap = cv2.VideoCapture(source)
            self.is_file = True
        if not cap.isOpened():
            raise CameraUnavailable(_("Cannot open the camera or video source {source}").format(source=source))
        if not self.is_file:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
            cap.set(cv2.CAP_PROP_FPS, fps)
        self._cap = cap

    def read(self) -> np.ndarray | None:
        ok, frame = self._cap.read()
        if not ok and self.is_file and self.loop:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._cap.read()
        if not ok:
            if self.is_file:
                return None
            raise CameraUnavailable(_("The camera {source} stopped giving pictures").format(source=self.source))
        return _fit(frame, self.width, self.height)

    def close(self) -> None:
        self._cap.release()


class Picamera2Source:
    """The Raspberry Pi camera module through picamera2 (libcamera). Imported on first use only: the
    package exists only on Raspberry Pi OS (python3-picamera2; venv with --system-site-packages)."""

    def __init__(self, width: int, height: int, fps: float) -> None:
        try:
            from picamera2 import Picamera2  # type: ignore[import-not-found]
        except ImportError as exc:
            raise CameraUnavailable(_("The Pi camera library picamera2 is not installed (Raspberry Pi OS: apt install python3-picamera2)")) from exc
        self.width, self.height, self.fps = width, height, fps
        self._cam: Any = Picamera2()
        # "RGB888" in libcamera's naming is B,G,R byte order in memory: what OpenCV expects.
        config = self._cam.create_video_configuration(main={"size": (width, height), "format": "RGB888"},
                                                      controls={"FrameRate": fps})
        self._cam.configure(config)
        self._cam.start()

    def encoded_recorder(self, directory: Any, **kwargs: Any) -> Any:
        """Segments from the Pi's H.264 encoder (edge/hardware/camera/picamera2_h264.py)."""
        from edge.hardware.camera.picamera2_h264 import Picamera2SegmentRecorder

        return Picamera2SegmentRecorder(self._cam, self, directory, **kwargs)

    def read(self) -> np.ndarray | None:
        frame = self._cam.capture_array("main")
        return _fit(np.ascontiguousarray(frame[:, :, :3]), self.width, self.height)

    def close(self) -> None:
        self._cam.stop()
        self._cam.close()
