"""The emulators a kit service holds can be driven from outside it: with `emulator_control` in its
`[hardware.fingerprint]` / `[hardware.gnss]`, the factory's emulator serves a control socket (the sandbox's
kits), and what is sent there is what the real driver stack on the pty reads; the socket goes with the device."""

from __future__ import annotations

import time
from pathlib import Path

from edge.hardware.config import FingerprintConfig, GnssConfig
from edge.hardware.control import send_command
from edge.hardware.factory import make_fingerprint, make_gnss
from edge.hardware.gnss.control import run_command
from edge.hardware.gnss.emulator import GnssEmulator


def test_gnss_commands(tmp_path: Path) -> None:
    emu = GnssEmulator(39.9, 116.4)
    assert run_command(emu, "goto 39.91 116.41") == "Receiver at 39.91000, 116.41000"
    assert (emu.lat, emu.lon) == (39.91, 116.41)
    assert run_command(emu, "goto north") == "Give the position in degrees: goto LAT LON"
    assert run_command(emu, "goto 95 116") == "Latitude is -90..90 and longitude -180..180 degrees"
    assert (emu.lat, emu.lon) == (39.91, 116.41)  # a refused command moves nothing
    assert run_command(emu, "lose-fix") == "Fix lost" and emu.fix_quality == 0
    assert run_command(emu, "status") == "Receiver at 39.91000, 116.41000; no fix"
    assert run_command(emu, "fix") == "Fix regained" and emu.fix_quality == 1
    assert run_command(emu, "fly").startswith("Unknown command fly.")


def test_kit_emulators_serve_their_control_sockets(tmp_path: Path) -> None:
    gnss_sock, fp_sock = tmp_path / "gnss.sock", tmp_path / "fp.sock"
    reader = make_gnss(GnssConfig(backend="emulator", emulator_lat=39.9, emulator_lon=116.4, emulator_interval_s=0.05,
                                  emulator_control=str(gnss_sock)))
    sensor = make_fingerprint(FingerprintConfig(backend="emulator", emulator_control=str(fp_sock),
                                                finger_wait_polls=3, poll_interval_s=0.0))
    try:
        assert send_command(gnss_sock, "goto 39.95 116.45") == "Receiver at 39.95000, 116.45000"
        deadline = time.monotonic() + 10
        while True:  # the reader on the pty parses the NMEA the emulator now sends
            fix = reader.latest()
            if fix is not None and abs(fix.lat - 39.95) < 1e-6:
                break
            assert time.monotonic() < deadline, fix
            time.sleep(0.05)
        assert send_command(fp_sock, "place li-si/right-index") == "Finger li-si/right-index placed (good)"
        sensor.capture(1)  # the driver on the pty sees that finger
        assert send_command(fp_sock, "remove") == "Finger lifted"
        assert send_command(fp_sock, "bogus").startswith("Unknown command bogus.")
    finally:
        reader.close()
        sensor.close()
    assert not gnss_sock.exists() and not fp_sock.exists()  # closing the device closes its control
