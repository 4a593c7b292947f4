"""Choose the real device or an emulator from config, behind one factory per device.

Backends are plugins (OctoPrint's virtual printer pattern): the emulator is not a special case in the
kit's code, it is one more backend registered under a name, opened through the same factory and driven
through the same real driver stack (for the fingerprint sensor and the GNSS receiver: pyserial on a pty).
A deployment adds a backend with `@plugin("camera", "name")`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from edge.hardware.camera import Camera, OpenCvSource, PatternSource, Picamera2Source
from edge.hardware.config import CameraConfig, FingerprintConfig, GnssConfig, HardwareConfig
from edge.hardware.fingerprint.driver import FingerprintSensor
from edge.hardware.gnss import GnssReader
from protocol.clock import Clock, SystemClock

_PLUGINS: dict[tuple[str, str], Callable[..., Any]] = {}


def plugin(kind: str, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _PLUGINS[(kind, name)] = fn
        return fn

    return register


def backends(kind: str) -> list[str]:
    return sorted(name for k, name in _PLUGINS if k == kind)


def _get(kind: str, name: str) -> Callable[..., Any]:
    try:
        return _PLUGINS[(kind, name)]
    except KeyError:
        raise ValueError(f"no {kind} backend {name!r}; available: {', '.join(backends(kind))}") from None


def make_fingerprint(config: FingerprintConfig) -> FingerprintSensor:
    sensor: FingerprintSensor = _get("fingerprint", config.backend)(config)
    return sensor


def make_gnss(config: GnssConfig, clock: Clock | None = None) -> GnssReader:
    reader: GnssReader = _get("gnss", config.backend)(config, clock or SystemClock())
    return reader


def make_camera(config: CameraConfig, clock: Clock | None = None) -> Camera:
    clock = clock or SystemClock()
    return Camera(_get("camera", config.backend)(config, clock), config, clock=clock)


@dataclass
class Hardware:
    fingerprint: FingerprintSensor
    camera: Camera
    gnss: GnssReader

    def close(self) -> None:
        for close in (self.camera.close, self.gnss.close, self.fingerprint.close):
            try:
                close()
            except Exception:  # closing one device must not keep the others open
                pass


def open_hardware(config: HardwareConfig | dict[str, Any], clock: Clock | None = None) -> Hardware:
    cfg = config if isinstance(config, HardwareConfig) else msgspec.convert(config, HardwareConfig)
    fp = make_fingerprint(cfg.fingerprint)
    try:
        gnss = make_gnss(cfg.gnss, clock)
        try:
            camera = make_camera(cfg.camera, clock)
        except BaseException:
            gnss.close()
            raise
    except BaseException:
        fp.close()
        raise
    return Hardware(fp, camera, gnss)


# -- the built-in backends ------------------------------------------------------------------------------
@plugin("fingerprint", "serial")
def _fingerprint_serial(config: FingerprintConfig) -> FingerprintSensor:
    return FingerprintSensor.open(config)


@plugin("fingerprint", "emulator")
def _fingerprint_emulator(config: FingerprintConfig) -> FingerprintSensor:
    from edge.hardware.fingerprint.emulator import FingerprintEmulator

    emu = FingerprintEmulator(config.emulator_model, library=config.emulator_library,
                              line_rate=config.emulator_line_rate, baud=config.baud).start()
    try:
        sensor = FingerprintSensor.open(msgspec.structs.replace(config, port=emu.path))
    except BaseException:
        emu.stop()
        raise
    sensor.emulator = emu
    if config.emulator_control:
        from edge.hardware.fingerprint.control import run_command

        _controlled(emu, config.emulator_control, run_command)
    return sensor


@plugin("gnss", "serial")
def _gnss_serial(config: GnssConfig, clock: Clock) -> GnssReader:
    return GnssReader.open(config.port, config.baud, clock=clock, max_age_s=config.max_age_s)


@plugin("gnss", "emulator")
def _gnss_emulator(config: GnssConfig, clock: Clock) -> GnssReader:
    from edge.hardware.gnss.emulator import GnssEmulator

    emu = GnssEmulator(config.emulator_lat, config.emulator_lon, interval_s=config.emulator_interval_s).start()
    reader = GnssReader.open(emu.path, config.baud, clock=clock, max_age_s=config.max_age_s)
    reader.emulator = emu
    if config.emulator_control:
        from edge.hardware.gnss.control import run_command

        _controlled(emu, config.emulator_control, run_command)
    return reader


def _controlled(emu: Any, path: str, run: Callable[[Any, str], str]) -> None:
    """Serve the emulator's control socket for as long as the emulator runs (its stop closes the socket)."""
    from edge.hardware.control import ControlSocket

    control = ControlSocket(emu, path, run).start()
    stop = emu.stop

    def stop_both() -> None:
        control.stop()
        stop()

    emu.stop = stop_both


@plugin("camera", "pattern")
def _camera_pattern(config: CameraConfig, clock: Clock) -> PatternSource:
    return PatternSource(config.width, config.height, config.fps, clock=clock, realtime=config.pattern_realtime)


@plugin("camera", "opencv")
def _camera_opencv(config: CameraConfig, clock: Clock) -> OpenCvSource:
    return OpenCvSource(config.source, config.width, config.height, config.fps, loop=config.loop_file)


@plugin("camera", "picamera2")
def _camera_picamera2(config: CameraConfig, clock: Clock) -> Picamera2Source:
    return Picamera2Source(config.width, config.height, config.fps)
