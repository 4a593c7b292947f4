"""Typed hardware configuration. Unknown keys are rejected so a typo in a kit's config file fails loudly
at start-up instead of silently falling back to a default. See firmware_config/kit/hardware.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import msgspec

from protocol.settings import SettingsError


class FingerprintConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The UART fingerprint sensor.

    backend: "serial" for a real sensor on `port`, "emulator" for the built-in emulator plugin.
    port: serial device (GPIO UART: /dev/ttyAMA0 on Pi 4 with dtoverlay=disable-bt and on Pi 5 with dtparam=uart0=on;
    on a Pi 5 /dev/serial0 is the debug header's UART).
    baud: line rate, 9600 x N; the sensor ships at 57600.
    password: the sensor's 32-bit password (0 = the factory default, not enforced by the sensor).
    match_threshold: lowest match score accepted as the same finger by verify(); the sensor's own
        threshold (20 x security level) is lower, so this is the kit's policy.
    packet_size: data packet size the driver wants (64, 128 or 256). A sensor set to 32 is reconfigured
        (the adafruit library recurses once per packet and would exceed Python's recursion limit).
    led: drive the R503 ring LED: true, false, or null to probe the sensor once.
    finger_wait_polls / poll_interval_s: how long to wait for a finger (polls x interval).
    serial_timeout_s: pyserial read timeout (the library reads fixed-size acks).
    emulator_model: r307, r503, zfm20 or as608 (emulator backend only).
    emulator_library: JSON file keeping the emulated sensor's flash across restarts (emulator only).
    emulator_line_rate: model the line rate on the pty (emulator only).
    emulator_control: a Unix socket path on which the emulator takes `place NAME`, `remove`, `status`
        (edge/hardware/fingerprint/control.py), so a person can put a finger on it while the kit service
        holds the sensor; none when unset (emulator only).
    """

    backend: Literal["serial", "emulator"] = "serial"
    port: str = "/dev/ttyAMA0"
    baud: int = 57600
    password: int = 0
    match_threshold: int = 80
    packet_size: Literal[64, 128, 256] = 128
    led: bool | None = None
    finger_wait_polls: int = 100
    poll_interval_s: float = 0.1
    serial_timeout_s: float = 1.0
    emulator_model: str = "r307"
    emulator_library: str | None = None
    emulator_line_rate: bool = False
    emulator_control: str | None = None


class CameraConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The kit camera.

    backend: "picamera2" (Pi camera module), "opencv" (USB camera / V4L2 device / video file) or
        "pattern" (generated test pattern, for tests and the demo).
    source: for opencv: a camera index ("0"), a device path ("/dev/video0") or a video file path.
    width / height: frame size in pixels.
    fps: frames per second recorded (and requested from the camera).
    jpeg_quality: 1..100 for photos.
    segment_seconds: length of one video segment; a power cut loses at most the open one.
    codec: "auto" (H.264 where this kit has an encoder for it, else mp4v), "h264" (refused at start where
        there is no encoder), "mp4v" (MPEG-4 part 2) or "MJPG" (.avi); H.264 and mp4v are .mp4 files.
        `lockwarden kit status` says which codec and encoder "auto" chose (edge/hardware/camera/codecs.py).
    loop_file: opencv with a file source: start again at the end instead of stopping.
    pattern_realtime: pattern backend: pace frames at `fps` like a camera (false: as fast as drawn).
    """

    backend: Literal["picamera2", "opencv", "pattern"] = "pattern"
    source: str = "0"
    width: int = 1280
    height: int = 720
    fps: float = 15.0
    jpeg_quality: int = 85
    segment_seconds: float = 5.0
    codec: Literal["auto", "h264", "mp4v", "MJPG"] = "auto"
    loop_file: bool = False
    pattern_realtime: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError("jpeg_quality must be 1..100")
        if self.width <= 0 or self.height <= 0 or self.fps <= 0 or self.segment_seconds <= 0:
            raise ValueError("width, height, fps and segment_seconds must be positive")


class GnssConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The serial GNSS receiver (NMEA 0183).

    backend: "serial" for a receiver on `port`, "emulator" for the built-in NMEA emulator.
    port / baud: the receiver's serial line (most modules: 9600).
    max_age_s: a fix older than this is not reported as current.
    emulator_lat / emulator_lon: the emulator's starting position (degrees, WGS-84).
    emulator_interval_s: seconds between emulated GGA/RMC bursts.
    emulator_control: a Unix socket path on which the emulator takes `goto LAT LON`, `lose-fix`, `fix`,
        `status` (edge/hardware/gnss/control.py); none when unset (emulator only).
    """

    backend: Literal["serial", "emulator"] = "serial"
    port: str = "/dev/gnss0"  # the udev rule's name (firmware_config/kit/99-lockwarden-hardware.rules)
    baud: int = 9600
    max_age_s: float = 10.0
    emulator_lat: float = 39.9087
    emulator_lon: float = 116.3975
    emulator_interval_s: float = 1.0
    emulator_control: str | None = None


class HardwareConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    fingerprint: FingerprintConfig = msgspec.field(default_factory=FingerprintConfig)
    camera: CameraConfig = msgspec.field(default_factory=CameraConfig)
    gnss: GnssConfig = msgspec.field(default_factory=GnssConfig)


def from_dict(data: dict[str, Any], *, source: str = "kit.toml [hardware]") -> HardwareConfig:
    try:
        return msgspec.convert(data, HardwareConfig)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"{source}: {exc}") from exc


def load(path: str | Path) -> HardwareConfig:
    """Read a TOML file with [fingerprint], [camera] and [gnss] tables."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: {exc}") from exc
    return from_dict(data, source=str(path))
