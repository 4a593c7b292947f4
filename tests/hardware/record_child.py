"""Child process for the power-cut test: records the test pattern in 10-frame segments, prints each closed
segment, and after `stop_after` frames says MID and hangs mid-segment, waiting to be SIGKILLed."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from edge.hardware.camera import PatternSource, SegmentRecorder


class HangAfter:
    def __init__(self, inner: PatternSource, stop_after: int) -> None:
        self.inner, self.stop_after = inner, stop_after
        self.width, self.height, self.fps = inner.width, inner.height, inner.fps
        self.n = 0
        self.handed = 0

    def read(self):  # type: ignore[no-untyped-def]
        if self.n == self.stop_after:
            # Closed segments are finished on the closer thread: wait until they were handed over, so the
            # kill below lands while only the open segment is at stake.
            while self.handed < self.stop_after // 10:
                time.sleep(0.01)
            print("MID", flush=True)
            while True:
                time.sleep(60)
        self.n += 1
        return self.inner.read()

    def close(self) -> None:
        pass


def main() -> None:
    directory, codec, stop_after = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    source = HangAfter(PatternSource(320, 240, 10), stop_after)

    def handed(path: Path, index: int, sha: str, frames: int, started: int, ended: int) -> None:
        print("SEG", index, sha, frames, flush=True)
        source.handed += 1

    rec = SegmentRecorder(source, directory, segment_seconds=1.0, codec=codec, on_segment=handed)
    rec.run()


if __name__ == "__main__":
    main()
