"""A service's heartbeat on disk, for status commands run as separate processes.

One small JSON document overwritten in place in a file whose blocks were written once at creation: an
overwrite needs no new block, so it still works when the disk is full, which is exactly when an operator
asks `lockwarden hub status` what is going on. The document is padded to a fixed size and written with
one pwrite; a reader that catches a write half-way simply reads again.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

SIZE = 1024


class ProgressFile:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def _open(self) -> int:
        if self._fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if os.fstat(fd).st_size < SIZE:
                os.pwrite(fd, b" " * SIZE, 0)  # real blocks now, so later overwrites never need space
            self._fd = fd
        return self._fd

    def write(self, doc: dict[str, Any]) -> bool:
        """False when it could not be written (the disk refused even the first creation)."""
        data = json.dumps(doc, separators=(",", ":")).encode()
        if len(data) > SIZE:
            raise ValueError("progress document too large")
        try:
            os.pwrite(self._open(), data.ljust(SIZE), 0)
            return True
        except OSError:
            return False

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def read_progress(path: Path, attempts: int = 5) -> dict[str, Any] | None:
    for _ in range(attempts):
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            return None
        try:
            doc = json.loads(raw.strip() or b"null")
        except ValueError:
            time.sleep(0.01)  # caught a write half-way
            continue
        return doc if isinstance(doc, dict) else None
    return None
