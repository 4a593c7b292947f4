"""A serial device emulated on a pseudo-terminal, served by a thread.

The client opens `path` with pyserial exactly as it would open /dev/ttyAMA0, so the whole real driver
stack runs. A pty has no line rate; `baud` (optional) makes the emulator model one: it waits
bytes * 10 / baud seconds (8N1: start + 8 data + stop bits) for what it receives and what it sends.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from typing import Self


class PtyDevice:
    """Base class: owns the pty pair and a serving thread; subclasses implement `on_bytes` / `on_idle`."""

    idle_interval_s: float = 0.05

    def __init__(self, baud: int | None = None) -> None:
        self.baud = baud
        self._master, self._slave = os.openpty()
        # Raw mode on the slave side: no echo, no line editing, no CR/LF translation before the client
        # opens it (pyserial sets raw mode again when it opens the port).
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self._stop_r, self._stop_w = os.pipe()
        self._thread: threading.Thread | None = None
        self._write_lock = threading.Lock()
        self.bytes_in = 0
        self.bytes_out = 0

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name=type(self).__name__, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            os.write(self._stop_w, b"x")
            self._thread.join(timeout=5)
            self._thread = None
        for fd in (self._master, self._slave, self._stop_r, self._stop_w):
            try:
                os.close(fd)
            except OSError:
                pass
        self._master = self._slave = self._stop_r = self._stop_w = -1

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- line model --------------------------------------------------------------------------------
    def line_time(self, nbytes: int) -> float:
        """Seconds the line needs for nbytes at the modelled baud rate (0 when not modelled)."""
        return nbytes * 10 / self.baud if self.baud else 0.0

    def write(self, data: bytes) -> None:
        delay = self.line_time(len(data))
        if delay:
            time.sleep(delay)
        with self._write_lock:
            view = memoryview(data)
            while view:
                try:
                    n = os.write(self._master, view)
                except BlockingIOError:
                    select.select([], [self._master], [], 0.1)
                    continue
                view = view[n:]
        self.bytes_out += len(data)

    # -- subclass hooks ----------------------------------------------------------------------------
    def on_bytes(self, data: bytes) -> None:
        raise NotImplementedError

    def on_idle(self) -> None:
        """Called about every idle_interval_s when nothing arrived (timeouts, periodic output)."""

    # -- serving thread ----------------------------------------------------------------------------
    def _serve(self) -> None:
        last_idle = time.monotonic()
        while True:
            try:
                ready, _, _ = select.select([self._master, self._stop_r], [], [], self.idle_interval_s)
            except (OSError, ValueError):
                return
            if self._stop_r in ready:
                return
            if self._master in ready:
                try:
                    data = os.read(self._master, 65536)
                except OSError:
                    # EIO when no process holds the slave open; we keep our own slave fd, so this is rare.
                    time.sleep(self.idle_interval_s)
                    continue
                if data:
                    delay = self.line_time(len(data))
                    if delay:
                        time.sleep(delay)
                    self.bytes_in += len(data)
                    self.on_bytes(data)
            now = time.monotonic()
            if now - last_idle >= self.idle_interval_s:
                last_idle = now
                self.on_idle()
