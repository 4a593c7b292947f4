"""A photo asked for the moment the video starts (a quick tap on the kit: "Start the video", then "Photo of
the lock before") waits for the recorder's first frame instead of failing with "no picture"."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edge.hardware.config import CameraConfig
from edge.hardware.factory import make_camera


def test_photo_right_after_the_video_starts(tmp_path: Path) -> None:
    cam = make_camera(CameraConfig(width=320, height=180, fps=5, segment_seconds=1.0))  # 0.2 s to the first frame
    cam.start_recording(tmp_path)
    try:
        assert cam._last is None  # no frame recorded yet: before the fix this photo raised CameraUnavailable
        img = cv2.imdecode(np.frombuffer(cam.photo(), np.uint8), cv2.IMREAD_COLOR)
        assert img is not None and img.shape == (180, 320, 3)
    finally:
        cam.stop_recording()
        cam.close()
