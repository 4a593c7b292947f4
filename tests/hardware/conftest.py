from __future__ import annotations

from collections.abc import Iterator

import pytest
import serial

from edge.hardware.config import FingerprintConfig
from edge.hardware.fingerprint.driver import FingerprintSensor
from edge.hardware.fingerprint.emulator import FingerprintEmulator
from protocol.i18n import set_language


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def emulator() -> Iterator[FingerprintEmulator]:
    emu = FingerprintEmulator("r307").start()
    yield emu
    emu.stop()


def connect(emu: FingerprintEmulator, **overrides: object) -> FingerprintSensor:
    cfg = FingerprintConfig(**{"finger_wait_polls": 3, "poll_interval_s": 0.0, **overrides})  # type: ignore[arg-type]
    return FingerprintSensor(serial.Serial(emu.path, 57600, timeout=1), cfg, sleep=lambda s: None)


@pytest.fixture
def sensor(emulator: FingerprintEmulator) -> Iterator[FingerprintSensor]:
    s = connect(emulator)
    yield s
    s.close()
