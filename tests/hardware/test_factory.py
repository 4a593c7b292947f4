"""Config picks the backend; the emulators are ordinary plugins behind the same factories."""

from __future__ import annotations

import time
from pathlib import Path

import msgspec
import pytest

from edge.hardware.config import CameraConfig, FingerprintConfig, GnssConfig, load
from edge.hardware.factory import backends, make_camera, make_fingerprint, make_gnss, open_hardware

ROOT = Path(__file__).resolve().parents[2]


def test_backends_registered() -> None:
    assert backends("fingerprint") == ["emulator", "serial"]
    assert backends("gnss") == ["emulator", "serial"]
    assert backends("camera") == ["opencv", "pattern", "picamera2"]
    with pytest.raises(ValueError, match="available"):
        make_camera(msgspec.structs.replace(CameraConfig(), backend="webcam"))  # type: ignore[arg-type]


def test_emulated_kit_through_the_factories(tmp_path: Path) -> None:
    hw = open_hardware({
        "fingerprint": {"backend": "emulator", "emulator_model": "r503",
                        "emulator_library": str(tmp_path / "fp.json"), "finger_wait_polls": 2,
                        "poll_interval_s": 0.0},
        "gnss": {"backend": "emulator", "emulator_lat": 30.5728, "emulator_lon": 104.0668,
                 "emulator_interval_s": 0.02},
        "camera": {"backend": "pattern", "width": 320, "height": 240, "pattern_realtime": False},
    })
    try:
        emu = hw.fingerprint.emulator
        emu.place_finger("chen-liu/right-index")
        assert len(hw.fingerprint.capture_template()) == 1536
        for _ in range(500):
            if hw.gnss.latest() is not None:
                break
            time.sleep(0.01)
        pos = hw.gnss.latest()
        assert pos is not None and round(pos.lat, 4) == 30.5728
        assert hw.camera.photo()[:2] == b"\xff\xd8"
    finally:
        hw.close()


def test_serial_backends_fail_clearly_without_devices(tmp_path: Path) -> None:
    from edge.hardware.fingerprint.errors import SensorUnavailable

    with pytest.raises(SensorUnavailable, match="serial port"):
        make_fingerprint(FingerprintConfig(port=str(tmp_path / "ttyNONE")))
    from edge.hardware.gnss import GnssUnavailable

    with pytest.raises(GnssUnavailable, match="ttyNONE"):
        make_gnss(GnssConfig(port=str(tmp_path / "ttyNONE")))


def test_shipped_kit_config_parses() -> None:
    cfg = load(ROOT / "firmware_config" / "kit" / "hardware.toml")
    assert cfg.fingerprint.port == "/dev/ttyAMA0" and cfg.camera.backend == "picamera2"
    demo = load(ROOT / "firmware_config" / "kit" / "hardware-emulated.toml")
    assert demo.fingerprint.backend == "emulator"
