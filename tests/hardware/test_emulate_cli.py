"""`lockwarden emulate ...` prints a pty path that the real driver stack can open."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import serial

from edge.hardware.fingerprint.driver import FingerprintSensor
from edge.hardware.gnss import GnssReader


def run(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "LOCKWARDEN_LANG": "en"}
    return subprocess.Popen([sys.executable, "-m", "lockwarden", "emulate", *args], stdout=subprocess.PIPE,
                            text=True, env=env)


def test_emulate_fingerprint_with_library(tmp_path: Path) -> None:
    proc = run("fingerprint", "--model", "r503", "--library", str(tmp_path / "lib.json"), "--finger", "a/b")
    try:
        assert proc.stdout is not None
        path = proc.stdout.readline().strip()
        assert path.startswith("/dev/pts/")
        sensor = FingerprintSensor(serial.Serial(path, 57600, timeout=1))
        assert sensor.info().capacity == 200
        assert len(sensor.capture_template()) == 1536
        sensor.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_emulate_gnss() -> None:
    proc = run("gnss", "--lat", "22.5431", "--lon", "114.0579", "--interval", "0.05")
    try:
        assert proc.stdout is not None
        path = proc.stdout.readline().strip()
        port = serial.Serial(path, 9600, timeout=2)
        reader = GnssReader(port)
        for _ in range(10):
            reader.feed(port.readline().decode())
            if reader.latest():
                break
        pos = reader.latest()
        assert pos is not None and round(pos.lat, 4) == 22.5431 and round(pos.lon, 4) == 114.0579
        port.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
