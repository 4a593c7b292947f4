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
from collections.abc import Callable
from typing import IO, Any

from edge.hardware.control import ControlSocket as _ControlSocket
from edge.hardware.control import send_command
from edge.hardware.fingerprint.fingers import Placement
from protocol.i18n import _

__all__ = ["ControlSocket", "run_command", "send_command", "serve_stream", "usage"]


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


class ControlSocket(_ControlSocket):
    """A Unix socket at `path` taking the fingerprint commands above."""

    def __init__(self, emu: Any, path: str | os.PathLike[str]) -> None:
        super().__init__(emu, path, run_command)
