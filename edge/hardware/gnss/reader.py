"""Reads a GNSS receiver over pyserial and keeps the latest position (GGA + RMC merged)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from edge.hardware.gnss.nmea import Gga, NmeaError, Position, Rmc, parse
from protocol.clock import Clock, SystemClock
from protocol.i18n import _


class GnssUnavailable(RuntimeError):
    """The receiver's serial port cannot be opened."""


class GnssReader:
    """`feed()` takes one line (tests, or any transport); `start()` runs a thread reading the port.

    A sentence with a bad or missing checksum is counted in `rejected` and never used.
    """

    def __init__(self, port: Any = None, *, clock: Clock | None = None, max_age_s: float = 10.0) -> None:
        self.port = port
        self.clock = clock or SystemClock()
        self.max_age_ms = int(max_age_s * 1000)
        self.rejected = 0
        self.accepted = 0
        self._lock = threading.Lock()
        self._position: Position | None = None
        self._date: dt.date | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.emulator: Any = None  # set by the emulator plugin

    @classmethod
    def open(cls, port: str, baud: int = 9600, *, clock: Clock | None = None, max_age_s: float = 10.0) -> GnssReader:
        import serial

        try:
            ser = serial.Serial(port, baud, timeout=0.2)
        except (OSError, serial.SerialException) as exc:
            raise GnssUnavailable(_("Cannot open the GNSS receiver's serial port {port}").format(port=port)) from exc
        return cls(ser, clock=clock, max_age_s=max_age_s).start()

    def start(self) -> GnssReader:
        if self._thread is None and self.port is not None:
            self._thread = threading.Thread(target=self._run, name="gnss-reader", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        if self.port is not None:
            self.port.close()
        if self.emulator is not None:
            self.emulator.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                raw = self.port.readline()
            except Exception:  # port gone (USB receiver unplugged): stop quietly, latest() ages out
                return
            if raw:
                self.feed(raw.decode("ascii", errors="replace"))

    def feed(self, line: str) -> None:
        if not line.strip():
            return
        try:
            msg = parse(line)
        except NmeaError:
            with self._lock:
                self.rejected += 1
            return
        now = self.clock.now_ms()
        with self._lock:
            self.accepted += 1
            prev = self._position
            if isinstance(msg, Rmc):
                self._date = msg.date or self._date
                utc = dt.datetime.combine(msg.date, msg.time, dt.UTC) if msg.date and msg.time else None
                if not msg.valid or msg.lat is None or msg.lon is None:
                    self._position = Position(prev.lat if prev else 0.0, prev.lon if prev else 0.0, 0, 0, None, utc, now)
                    return
                quality = prev.fix_quality if prev and prev.fix_quality > 0 else 1
                self._position = Position(msg.lat, msg.lon, quality, prev.sats if prev else 0,
                                          prev.hdop if prev else None, utc, now,
                                          prev.altitude_m if prev else None, msg.speed_knots)
            elif isinstance(msg, Gga):
                utc = dt.datetime.combine(self._date, msg.time, dt.UTC) if self._date and msg.time else None
                if msg.quality <= 0 or msg.lat is None or msg.lon is None:
                    self._position = Position(prev.lat if prev else 0.0, prev.lon if prev else 0.0, 0, msg.sats,
                                              None, utc, now)
                    return
                self._position = Position(msg.lat, msg.lon, msg.quality, msg.sats, msg.hdop, utc, now,
                                          msg.altitude_m, prev.speed_knots if prev else None)

    def latest(self) -> Position | None:
        """The latest position with a fix, not older than max_age_s; None otherwise."""
        with self._lock:
            pos = self._position
        if pos is None or not pos.has_fix or self.clock.now_ms() - pos.received_ms > self.max_age_ms:
            return None
        return pos

    def last_sentence_state(self) -> Position | None:
        """The latest state even without a fix (fix_quality 0), for a status display."""
        with self._lock:
            return self._position
