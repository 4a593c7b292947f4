"""Small stand-ins for the hardware, for tests of the flow's logic (the emulator-backed tests use the real
drivers). Deterministic: nothing here runs a thread or reads the clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from edge.job.devices import Devices, FingerMatch, Fix, Photo, Segment


class FakeFingerprint:
    def __init__(self) -> None:
        self.next_match: FingerMatch | Exception = FingerMatch(slot=0, score=200)
        self.template = b"\x03\x4c" + bytes(range(256)) * 2
        self.verifies = 0

    def verify(self) -> FingerMatch:
        self.verifies += 1
        if isinstance(self.next_match, Exception):
            raise self.next_match
        return self.next_match

    def capture_template(self) -> bytes:
        return self.template


class FakePosition:
    def __init__(self, fix: Fix | None) -> None:
        self.current = fix

    def fix(self) -> Fix | None:
        return self.current


class FakeCamera:
    """Photos are distinct small byte strings; the video is a folder of segment files closed on demand."""

    def __init__(self) -> None:
        self.shots = 0
        self.folder: Path | None = None
        self.sink: Callable[[Segment], None] | None = None
        self.index = 0

    def photo(self) -> Photo:
        self.shots += 1
        return Photo(jpeg=b"\xff\xd8fake-jpeg-%d\xff\xd9" % self.shots, width=640, height=480)

    def start_video(self, out_dir: Path, on_segment: Callable[[Segment], None]) -> None:
        self.folder, self.sink = out_dir, on_segment
        self._open()

    def _open(self) -> None:
        assert self.folder is not None
        (self.folder / f"seg-{self.index:06d}.mp4").write_bytes(b"open segment %d" % self.index)

    def rotate(self) -> None:
        """Close the open segment (hand it over) and open the next, as a timer would."""
        self._close()
        self.index += 1
        self._open()

    def _close(self) -> None:
        assert self.folder is not None and self.sink is not None
        path = self.folder / f"seg-{self.index:06d}.mp4"
        path.write_bytes(b"closed segment %d" % self.index)
        self.sink(Segment(path=path, index=self.index, started_ms=0, frames=10, width=640, height=480))

    def stop_video(self, out_dir: Path) -> None:
        if self.sink is not None and out_dir == self.folder:
            self._close()
            self.folder = self.sink = None

    def is_recording(self, out_dir: Path | None = None) -> bool:
        return self.sink is not None and (out_dir is None or out_dir == self.folder)


def fake_devices(fix: Fix | None) -> tuple[Devices, FakeFingerprint, FakePosition, FakeCamera]:
    fp, pos, cam = FakeFingerprint(), FakePosition(fix), FakeCamera()
    return Devices(fingerprint=fp, position=pos, camera=cam), fp, pos, cam
