"""Driving a running fingerprint emulator from outside its process: one command per line.

`lockwarden emulate fingerprint` reads these commands on its standard input and, with `--control PATH`, on a
Unix socket (one reply line per command), so a person enrolling fingers with `lockwarden kit enroll` in
another terminal, or a script, can put a finger on the emulated sensor:

    place li-jianguo/right-index          # a well-placed finger (the name decides its minutiae)
    place li-jianguo/right-index messy    # or partial | fail: the sensor's error codes 0x06, 0x07, 0x03
    remove                                # lift the finger (also: lift)
    status                                # the finger on the sensor and the templates in the library
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from edge.hardware.fingerprint.fingers import Placement
from protocol.i18n import _


def usage() -> str:
    return _("Commands: place NAME [good|messy|partial|fail], remove, status, help")


def run_command(emu: Any, line: str) -> str:
    """Apply one command line to `emu` (a FingerprintEmulator); the reply is for a person."""
    parts = line.split()
    if not parts:
        return ""
    cmd, args = parts[0].lower(), parts[1:]
    if cmd == "place":
        if not args or len(args) > 2:
            return _("Give the finger's name: place NAME [good|messy|partial|fail]")
        try:
            placement = Placement(args[1].lower()) if len(args) == 2 else Placement.GOOD
        except ValueError:
            return _("Unknown placement {placement}: good, messy, partial or fail").format(placement=args[1])
        emu.place_finger(args[0], placement)
        return _("Finger {name} placed ({placement})").format(name=args[0], placement=placement.value)
    if cmd in ("remove", "lift"):
        emu.remove_finger()
        return _("Finger lifted")
    if cmd == "status":
        finger = emu.finger
        shown = f"{finger.name} ({finger.placement.value})" if finger is not None else "-"
        return _("Finger on the sensor: {finger}; templates in the library: {count}").format(
            finger=shown, count=len(emu.templates))
    if cmd == "help":
        return usage()
    return _("Unknown command {command}. {usage}").format(command=cmd, usage=usage())


def serve_stream(emu: Any, stream: IO[str], reply: Callable[[str], None]) -> None:
    """Commands from a text stream until it ends (an emulator started without a terminal just ignores it)."""
    for line in stream:
        answer = run_command(emu, line)
        if answer:
            reply(answer)


class ControlSocket:
    """A Unix socket at `path` taking the same commands; each connection may send several lines."""

    def __init__(self, emu: Any, path: str | os.PathLike[str]) -> None:
        self.emu = emu
        self.path = Path(path)
        self.path.unlink(missing_ok=True)  # left by an emulator that was killed
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(str(self.path))
        self._sock.listen(4)
        self._thread = threading.Thread(target=self._accept, name="fingerprint-control", daemon=True)

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
            for line in fh:
                fh.write(run_command(self.emu, line) + "\n")
                fh.flush()


def send_command(path: str | os.PathLike[str], line: str, timeout_s: float = 5.0) -> str:
    """One command to an emulator's control socket; returns its reply (for scripts and tests)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_s)
        sock.connect(str(path))
        with sock.makefile("rw", encoding="utf-8", newline="\n") as fh:
            fh.write(line.strip() + "\n")
            fh.flush()
            return fh.readline().rstrip("\n")
