"""The kit camera (`edge.hardware.camera.Camera`) behind the job flow's Camera interface."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edge.hardware.config import CameraConfig
from edge.job.devices import Photo, Segment


def open_hardware_camera(config: CameraConfig) -> Any:
    """The configured backend through the hardware factory: picamera2, OpenCV or the generated pattern."""
    from edge.hardware.factory import make_camera

    return make_camera(config)


class KitCamera:
    """Photos as JPEG and a segmented recording per work folder; opens the device on first use."""

    def __init__(self, config: CameraConfig, opener: Callable[[], Any] | None = None) -> None:
        self.config = config
        self._opener = opener or (lambda: open_hardware_camera(config))
        self._cam: Any = None
        self._dir: Path | None = None
        self._lock = threading.Lock()

    def camera(self) -> Any:
        with self._lock:
            if self._cam is None:
                self._cam = self._opener()
            return self._cam

    def photo(self) -> Photo:
        cam = self.camera()
        width, height = cam.size
        return Photo(jpeg=cam.photo(), width=width, height=height)

    def start_video(self, out_dir: Path, on_segment: Callable[[Segment], None]) -> None:
        cam = self.camera()
        width, height = cam.size
        ext_type = cam.choice.content_type

        def handed(path: Path, index: int, sha: str, frames: int, started_ms: int, _ended_ms: int) -> None:
            on_segment(Segment(path=path, index=index, started_ms=started_ms, frames=frames, width=width,
                               height=height, content_type=ext_type, sha256=sha))

        cam.start_recording(out_dir, handed)
        self._dir = out_dir

    def stop_video(self, out_dir: Path) -> None:
        if self._dir == out_dir and self._cam is not None:
            self._cam.stop_recording()
            self._dir = None

    def is_recording(self, out_dir: Path) -> bool:
        return self._dir == out_dir and self._cam is not None and bool(self._cam.recording)

    def paused_for_space(self, out_dir: Path) -> bool:
        return self.is_recording(out_dir) and bool(self._cam.paused_for_space)

    def close(self) -> None:
        with self._lock:
            if self._cam is not None:
                self._cam.close()
                self._cam = None
