"""`lockwarden emulate fingerprint|gnss|send`: run a hardware emulator on a pseudo-terminal and print its path,
so the real driver stack (or minicom, or a vendor tool) can be pointed at it.

The fingerprint emulator takes commands (`place NAME`, `remove`, `status`: edge/hardware/fingerprint/control.py)
on its standard input and, with `--control PATH`, on a Unix socket: that is how a person puts a finger on it
while `lockwarden kit enroll` or `lockwarden kit job login` runs in another terminal."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from protocol.i18n import _


def register(sub: Any) -> None:
    parser = sub.add_parser("emulate", help=_("Run a fingerprint sensor or GNSS emulator on a pseudo-terminal"))
    kinds = parser.add_subparsers(dest="device", metavar="DEVICE", required=True)

    fp = kinds.add_parser("fingerprint", help=_("R30x / AS608 / R503 fingerprint sensor"))
    fp.add_argument("--model", default="r307", choices=["r307", "r503", "zfm20", "as608"])
    fp.add_argument("--library", help=_("JSON file keeping the sensor's template library across restarts"))
    fp.add_argument("--packet-size", type=int, choices=[32, 64, 128, 256])
    fp.add_argument("--line-rate", action="store_true", help=_("model the serial line rate (57600 baud)"))
    fp.add_argument("--finger", help=_("place this finger (person/finger) on the sensor at start"))
    fp.add_argument("--control", metavar="SOCKET",
                    help=_("also take commands (place NAME, remove, status) on this Unix socket"))
    fp.set_defaults(func=_fingerprint)

    gnss = kinds.add_parser("gnss", help=_("NMEA 0183 GNSS receiver (GGA and RMC)"))
    gnss.add_argument("--lat", type=float, default=39.9087)
    gnss.add_argument("--lon", type=float, default=116.3975)
    gnss.add_argument("--interval", type=float, default=1.0)
    gnss.add_argument("--no-fix", action="store_true", help=_("report no fix"))
    gnss.add_argument("--control", metavar="SOCKET",
                      help=_("take commands (goto LAT LON, lose-fix, fix, status) on this Unix socket"))
    gnss.set_defaults(func=_gnss)

    send = kinds.add_parser("send", help=_("send one command to an emulator's control socket, print its reply"))
    send.add_argument("socket", help=_("the control socket (printed by `lockwarden sandbox`)"))
    send.add_argument("words", nargs="+", metavar="COMMAND", help=_("e.g. place NAME, remove, goto LAT LON"))
    send.set_defaults(func=_send)


def _wait() -> None:
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_a: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass


def _fingerprint(args: argparse.Namespace) -> int:
    from edge.hardware.fingerprint.emulator import FingerprintEmulator

    emu = FingerprintEmulator(args.model, library=args.library, packet_size=args.packet_size,
                              line_rate=args.line_rate).start()
    if args.finger:
        emu.place_finger(args.finger)
    return _serve(emu, _fingerprint_control(emu, args.control))


def _fingerprint_control(emu: Any, socket_path: str | None) -> list[Any]:
    """Commands on stdin (replies on stderr: stdout carries only the pty path) and on the optional socket."""
    from edge.hardware.fingerprint.control import ControlSocket, serve_stream

    def reply(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    threading.Thread(target=serve_stream, args=(emu, sys.stdin, reply), name="fingerprint-stdin", daemon=True).start()
    return [ControlSocket(emu, socket_path).start()] if socket_path else []


def _gnss(args: argparse.Namespace) -> int:
    from edge.hardware.gnss.emulator import GnssEmulator

    emu = GnssEmulator(args.lat, args.lon, interval_s=args.interval, fix_quality=0 if args.no_fix else 1).start()
    extras: list[Any] = []
    if args.control:
        from edge.hardware.control import ControlSocket
        from edge.hardware.gnss.control import run_command

        extras.append(ControlSocket(emu, args.control, run_command).start())
    return _serve(emu, extras)


def _send(args: argparse.Namespace) -> int:
    from edge.hardware.control import send_command

    try:
        print(send_command(args.socket, " ".join(args.words)))
    except OSError as exc:
        print(_("No emulator answers on {socket}: {error}").format(socket=args.socket, error=exc), file=sys.stderr)
        return 1
    return 0


def _serve(emu: Any, extras: list[Any] | None = None) -> int:
    """Print the emulator's pty path for the client to open, then serve until interrupted."""
    print(emu.path, flush=True)
    try:
        _wait()
    finally:
        for extra in extras or []:
            extra.stop()
        emu.stop()
    return 0
