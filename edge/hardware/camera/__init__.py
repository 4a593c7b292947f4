"""Kit camera: one `Camera` over picamera2 / OpenCV / a generated test pattern, JPEG photos and segmented
video (see `recorder`)."""

from edge.hardware.camera.camera import Camera
from edge.hardware.camera.recorder import SegmentInfo, SegmentRecorder, concat, export, read_manifest, recover
from edge.hardware.camera.sources import CameraUnavailable, OpenCvSource, PatternSource, Picamera2Source

__all__ = ["Camera", "CameraUnavailable", "OpenCvSource", "PatternSource", "Picamera2Source", "SegmentInfo",
           "SegmentRecorder", "concat", "export", "read_manifest", "recover"]
