"""What the job flow needs from the hardware, as small interfaces.

The flow never talks to a driver directly: `edge.job.hardware` adapts the real drivers (and their pty
emulators) from `edge.hardware` to these protocols, and tests can plug in anything that fits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Fix:
    """A GNSS position. `quality` is the NMEA GGA fix quality (0 none, 1 GPS, 2 DGPS, 4/5 RTK)."""

    lat: float
    lon: float
    quality: int = 1
    satellites: int = 0
    hdop: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {"lat": self.lat, "lon": self.lon, "quality": self.quality, "satellites": self.satellites,
                "hdop": self.hdop}


@dataclass(frozen=True)
class FingerMatch:
    """The sensor found the finger in its library at `slot` with `score`."""

    slot: int
    score: int


class MatchLike(Protocol):
    @property
    def slot(self) -> int: ...

    @property
    def score(self) -> int: ...


@dataclass(frozen=True)
class Photo:
    jpeg: bytes
    width: int
    height: int


@dataclass(frozen=True)
class Segment:
    """A closed video segment file the recorder hands over; the flow moves it into the store."""

    path: Path
    index: int
    started_ms: int
    frames: int = 0
    width: int = 0
    height: int = 0
    content_type: str = "video/mp4"
    sha256: str = ""  # as the recorder hashed the closed file; "" when unknown


class FingerprintReader(Protocol):
    def verify(self) -> MatchLike:
        """Capture the finger on the sensor and search the library; raises on no finger / no match."""
        ...

    def capture_template(self) -> bytes:
        """Capture a finger and return its characteristics file (template), for evidence."""
        ...

    def enrolled_template(self, slot: int) -> bytes:
        """The template the sensor's library holds at `slot` (read back from the sensor)."""
        ...


class PositionSource(Protocol):
    def fix(self) -> Fix | None:
        """The latest valid position, or None when there is no fix."""
        ...


class Camera(Protocol):
    def photo(self) -> Photo:
        ...

    def start_video(self, out_dir: Path, on_segment: Callable[[Segment], None]) -> None:
        """Record in segments into out_dir; call on_segment (from any thread) as each one closes."""
        ...

    def stop_video(self, out_dir: Path) -> None:
        """Close the open segment of the recording into out_dir (handing it to on_segment) and stop;
        returns when done. Nothing to do when that recording is not running (e.g. after a reboot)."""
        ...

    def is_recording(self, out_dir: Path) -> bool:
        """A recording into out_dir is running (in this process or, for the CLI, a recorder process)."""
        ...

    def paused_for_space(self, out_dir: Path) -> bool:
        """The recording into out_dir writes nothing for now: the kit's disk is below the video reserve
        (edge/hardware/camera/recorder.py). It resumes by itself once there is room."""
        ...


@dataclass
class Devices:
    fingerprint: FingerprintReader
    position: PositionSource
    camera: Camera
    close: Callable[[], None] = lambda: None
