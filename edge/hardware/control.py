"""Driving a running emulator from outside its process: a Unix socket taking one command per line, one reply
line per command. The fingerprint sensor's commands are in edge/hardware/fingerprint/control.py, the GNSS
receiver's in edge/hardware/gnss/control.py; `lockwarden emulate send SOCKET COMMAND` is the client for people,
`send_command` the one for scripts and tests.

A kit whose `[hardware.fingerprint]` or `[hardware.gnss]` names an `emulator_control` socket serves it from
inside the kit service (`lockwarden sandbox` does this), so a person can put a finger on the kit's sensor or
drive its receiver to a site while the service holds the device.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

# sockaddr_un.sun_path is 108 bytes on Linux, the terminating NUL included
MAX_SOCKET_PATH = 107

Command = Callable[[Any, str], str]


class ControlSocket:
    """A Unix socket at `path` applying `run(device, line)` to each line; each connection may send several."""

    def __init__(self, device: Any, path: str | os.PathLike[str], run: Command) -> None:
        self.device = device
        self.run = run
        self.path = Path(path)
        if len(os.fsencode(self.path)) > MAX_SOCKET_PATH:
            raise ValueError(f"control socket path longer than {MAX_SOCKET_PATH} bytes: {self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)  # left by an emulator that was killed
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(str(self.path))
        os.chmod(self.path, 0o600)  # whoever may touch the sensor is whoever owns the kit directory
        self._sock.listen(4)
        self._thread = threading.Thread(target=self._accept, name=f"control-{self.path.name}", daemon=True)

    def start(self) -> ControlSocket:
        self._thread.start()
        return self

    def stop(self) -> None:
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        self.path.unlink(missing_ok=True)

    def _accept(self) -> None:
        while True:
            try:
                conn, _addr = self._sock.accept()
            except OSError:
                return  # closed by stop()
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rw", encoding="utf-8", newline="\n") as fh:
            try:
                for line in fh:
                    try:
                        answer = self.run(self.device, line)
                    except Exception as exc:  # a bad command must not end the emulator's control
                        answer = f"error: {exc}"
                    fh.write(answer + "\n")
                    fh.flush()
            except OSError:
                return  # the client went away


def send_command(path: str | os.PathLike[str], line: str, timeout_s: float = 5.0) -> str:
    """One command to an emulator's control socket; returns its reply."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_s)
        sock.connect(str(path))
        with sock.makefile("rw", encoding="utf-8", newline="\n") as fh:
            fh.write(line.strip() + "\n")
            fh.flush()
            return fh.readline().rstrip("\n")
