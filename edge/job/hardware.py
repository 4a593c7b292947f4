"""The real drivers of `edge.hardware` behind the job flow's small interfaces (`edge.job.devices`).

Each device opens on first use, so a step that needs no sensor (showing the job, completing it) never
waits for a serial handshake, and a missing device only fails the step that needs it. The same adapters
serve real hardware and the pty emulators: only the port paths in the kit's `[hardware]` table differ.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from edge.hardware.config import FingerprintConfig, GnssConfig, HardwareConfig
from edge.job.devices import Camera, Devices, Fix, MatchLike


class SensorFingerprint:
    """FingerprintReader over `edge.hardware.fingerprint.driver.FingerprintSensor`."""

    def __init__(self, config: FingerprintConfig) -> None:
        self.config = config
        self._sensor: Any = None
        self._lock = threading.Lock()

    def sensor(self) -> Any:
        with self._lock:
            if self._sensor is None:
                from edge.hardware.factory import make_fingerprint

                self._sensor = make_fingerprint(self.config)
            return self._sensor

    @property
    def emulator(self) -> Any:
        """The in-process emulator behind backend "emulator" (the demo places fingers on it), else None."""
        return getattr(self.sensor(), "emulator", None)

    def verify(self) -> MatchLike:
        return self.sensor().verify()  # type: ignore[no-any-return]

    def capture_template(self) -> bytes:
        return bytes(self.sensor().capture_template())

    def enrolled_template(self, slot: int) -> bytes:
        return bytes(self.sensor().export_template(slot))

    def close(self) -> None:
        with self._lock:
            if self._sensor is not None:
                self._sensor.close()  # the driver also stops an in-process emulator, as GnssReader.close does
                self._sensor = None


class GnssPosition:
    """PositionSource over `edge.hardware.gnss.reader.GnssReader`: waits up to `wait_s` for a first fix
    (a freshly opened port has seen no sentence yet), then answers at once with the latest one."""

    def __init__(self, config: GnssConfig, *, wait_s: float = 3.0) -> None:
        self.config = config
        self.wait_s = wait_s
        self._reader: Any = None
        self._lock = threading.Lock()

    def reader(self) -> Any:
        with self._lock:
            if self._reader is None:
                from edge.hardware.factory import make_gnss

                self._reader = make_gnss(self.config)
            return self._reader

    @property
    def emulator(self) -> Any:
        """The in-process NMEA emulator behind backend "emulator" (the demo moves it), else None."""
        return getattr(self.reader(), "emulator", None)

    def fix(self) -> Fix | None:
        reader = self.reader()
        deadline = time.monotonic() + self.wait_s
        while True:
            pos = reader.latest()
            if pos is not None:
                return Fix(lat=pos.lat, lon=pos.lon, quality=pos.fix_quality, satellites=pos.sats, hdop=pos.hdop)
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def close(self) -> None:
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None


def open_devices(hardware: HardwareConfig, camera: Camera, *, fix_wait_s: float = 3.0) -> Devices:
    """Devices for the flow from the kit's `[hardware]` table; the camera is built by the caller (the
    kit service records in-process, the step-by-step CLI in a background process)."""
    fp = SensorFingerprint(hardware.fingerprint)
    pos = GnssPosition(hardware.gnss, wait_s=fix_wait_s)

    def close() -> None:
        fp.close()
        pos.close()

    return Devices(fingerprint=fp, position=pos, camera=camera, close=close)
