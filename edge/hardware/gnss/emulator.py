"""An NMEA 0183 GNSS receiver on a pseudo-terminal: GGA and RMC every interval, movable at run time.

    emu = GnssEmulator(lat=39.9087, lon=116.3975).start()
    GnssReader.open(emu.path)          # the reader opens it like /dev/ttyUSB0
    emu.move_to(39.91, 116.40)         # the kit drives to the site
    emu.lose_fix()                     # in a garage
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from edge.hardware.gnss import nmea
from edge.hardware.pty import PtyDevice
from protocol.clock import Clock, SystemClock


class GnssEmulator(PtyDevice):
    def __init__(self, lat: float = 39.9087, lon: float = 116.3975, *, fix_quality: int = 1, sats: int = 9,
                 hdop: float = 0.9, altitude_m: float = 44.0, interval_s: float = 1.0, talker: str = "GN",
                 clock: Clock | None = None, baud: int | None = None) -> None:
        super().__init__(baud=baud)
        self.idle_interval_s = min(0.05, interval_s)
        self.interval_s = interval_s
        self.talker = talker
        self.clock = clock or SystemClock()
        self._lock = threading.Lock()
        self.lat, self.lon = lat, lon
        self.fix_quality, self.sats, self.hdop, self.altitude_m = fix_quality, sats, hdop, altitude_m
        self._next = 0.0
        self._corrupt = False
        self.sentences_sent = 0

    def move_to(self, lat: float, lon: float) -> None:
        with self._lock:
            self.lat, self.lon = lat, lon

    def set_fix(self, quality: int = 1, sats: int = 9, hdop: float = 0.9) -> None:
        with self._lock:
            self.fix_quality, self.sats, self.hdop = quality, sats, hdop

    def lose_fix(self) -> None:
        self.set_fix(0, 0, 99.9)

    def corrupt_next(self) -> None:
        """Send the next GGA with a wrong checksum (line noise)."""
        with self._lock:
            self._corrupt = True

    def sentences(self) -> list[str]:
        with self._lock:
            when = dt.datetime.fromtimestamp(self.clock.now_ms() / 1000, dt.UTC)
            gga = nmea.build_gga(self.talker, when, self.lat, self.lon, self.fix_quality, self.sats, self.hdop,
                                 self.altitude_m)
            rmc = nmea.build_rmc(self.talker, when, self.lat, self.lon, self.fix_quality > 0)
            if self._corrupt:
                self._corrupt = False
                # Change one digit of the body, keep the checksum: what a flipped bit on the line does.
                i = gga.index(",") + 1
                gga = gga[:i] + ("1" if gga[i] != "1" else "2") + gga[i + 1 :]
        return [gga, rmc]

    def emit(self) -> None:
        for s in self.sentences():
            self.write(s.encode("ascii"))
            self.sentences_sent += 1

    def on_bytes(self, data: bytes) -> None:
        pass  # receivers take configuration commands (PMTK, UBX); this one ignores them

    def on_idle(self) -> None:
        now = time.monotonic()
        if now >= self._next:
            self._next = now + self.interval_s
            self.emit()
