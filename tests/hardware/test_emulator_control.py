"""A running `lockwarden emulate fingerprint` takes commands on stdin and on its --control socket, so a finger
can be placed on it from outside its process; the driver on its pty sees exactly that finger."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import serial

from edge.hardware.config import FingerprintConfig
from edge.hardware.fingerprint.control import run_command, send_command
from edge.hardware.fingerprint.driver import FingerprintSensor
from edge.hardware.fingerprint.emulator import FingerprintEmulator
from edge.hardware.fingerprint.errors import BadImage, NoFinger
from tests.hardware.conftest import connect


def test_commands_on_stdin_and_on_the_control_socket(tmp_path: Path) -> None:
    control = tmp_path / "fp.sock"
    proc = subprocess.Popen([sys.executable, "-m", "lockwarden", "emulate", "fingerprint", "--control", str(control)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "LOCKWARDEN_LANG": "en"})
    try:
        assert proc.stdout is not None and proc.stdin is not None and proc.stderr is not None
        path = proc.stdout.readline().strip()
        sensor = FingerprintSensor(serial.Serial(path, 57600, timeout=1),
                                   FingerprintConfig(finger_wait_polls=3, poll_interval_s=0.0))
        with pytest.raises(NoFinger):
            sensor.wait_finger()
        proc.stdin.write("place wang-wu/left-thumb\n")
        proc.stdin.flush()
        assert proc.stderr.readline().strip() == "Finger wang-wu/left-thumb placed (good)"
        sensor.capture(1)  # the finger typed into the emulator's terminal is on its sensor

        for _ in range(100):  # the socket is bound just after the path is printed
            if control.exists():
                break
            time.sleep(0.02)
        assert send_command(control, "status") == ("Finger on the sensor: wang-wu/left-thumb (good); "
                                                   "templates in the library: 0")
        assert send_command(control, "place wang-wu/left-thumb messy") == "Finger wang-wu/left-thumb placed (messy)"
        with pytest.raises(BadImage):
            sensor.capture(1)
        assert send_command(control, "remove") == "Finger lifted"
        sensor.wait_removed()
        sensor.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    assert not control.exists()  # the socket is removed when the emulator stops


def test_command_replies(emulator: FingerprintEmulator) -> None:
    assert run_command(emulator, "") == ""
    assert run_command(emulator, "place") == "Give the finger's name: place NAME [good|messy|partial|fail]"
    assert run_command(emulator, "place a/b wet") == "Unknown placement wet: good, messy, partial or fail"
    assert run_command(emulator, "jump").startswith("Unknown command jump. Commands: place NAME")
    assert run_command(emulator, "PLACE a/b partial") == "Finger a/b placed (partial)"
    sensor = connect(emulator)
    try:
        with pytest.raises(BadImage):  # too few features
            sensor.capture(1)
        assert run_command(emulator, "lift") == "Finger lifted" and emulator.finger is None
    finally:
        sensor.close()
