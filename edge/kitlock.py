"""One kit service per kit directory: an exclusive `flock` on `kit.lock` held for the service's life.

Two services over one directory would open two MQTT sessions under the same client id (the broker takes
each over from the other: the kit flaps offline) and the same serial ports. The kernel drops the lock when
the process ends, however it ends, so a crashed service never blocks the next one.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from protocol.i18n import _

LOCK_NAME = "kit.lock"


class KitBusy(Exception):
    """Another kit service holds this directory; `str()` says which process."""


class KitLock:
    def __init__(self, kit_dir: Path) -> None:
        self.path = Path(kit_dir) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise KitBusy(_("Another kit service (process {pid}) already runs on {dir}; stop it first "
                            "(systemctl stop lockwarden-kit)").format(pid=holder, dir=self.path.parent)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None
