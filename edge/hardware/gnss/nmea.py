"""NMEA 0183 GGA and RMC: checksums, parsing, and building (for the emulator).

Any talker is accepted (GP GPS, GL GLONASS, GA Galileo, BD/GB BeiDou, GN multi-constellation), as receivers
sold in China commonly speak $GNGGA / $BDGGA.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


class NmeaError(ValueError):
    """A sentence that must not be used (bad checksum, no checksum, malformed field)."""


@dataclass(frozen=True)
class Position:
    lat: float  # degrees, north positive
    lon: float  # degrees, east positive
    fix_quality: int  # GGA: 0 none, 1 GPS, 2 DGPS, 4 RTK fixed, 5 RTK float, 6 dead reckoning
    sats: int
    hdop: float | None
    utc: dt.datetime | None  # from the receiver (RMC date + time); None until both were seen
    received_ms: int = 0  # kit clock when the sentence arrived
    altitude_m: float | None = None
    speed_knots: float | None = None

    @property
    def has_fix(self) -> bool:
        return self.fix_quality > 0


def checksum(body: str) -> int:
    value = 0
    for ch in body.encode("ascii"):
        value ^= ch
    return value


def sentence(body: str) -> str:
    """`$body*HH\\r\\n` for a body without $ and *."""
    return f"${body}*{checksum(body):02X}\r\n"


def split(line: str) -> list[str]:
    """The fields of a checksummed sentence; NmeaError when the checksum is missing or wrong."""
    line = line.strip()
    if not line.startswith("$") or "*" not in line:
        raise NmeaError("not a checksummed NMEA sentence")
    body, _, given = line[1:].rpartition("*")
    try:
        want = int(given, 16)
    except ValueError:
        raise NmeaError("checksum is not hex") from None
    if len(given) != 2 or checksum(body) != want:
        raise NmeaError("bad checksum")
    return body.split(",")


def _coord(value: str, hemi: str, degree_digits: int) -> float:
    if not value:
        raise NmeaError("empty coordinate")
    deg = int(value[:degree_digits])
    minutes = float(value[degree_digits:])
    if minutes >= 60:
        raise NmeaError("minutes out of range")
    out = deg + minutes / 60
    if hemi in ("S", "W"):
        return -out
    if hemi not in ("N", "E"):
        raise NmeaError("bad hemisphere")
    return out


def _time(value: str) -> dt.time | None:
    if len(value) < 6:
        return None
    secs = float(value[4:])
    return dt.time(int(value[:2]), int(value[2:4]), int(secs), int(round((secs % 1) * 1_000_000)) % 1_000_000)


@dataclass(frozen=True)
class Gga:
    time: dt.time | None
    lat: float | None
    lon: float | None
    quality: int
    sats: int
    hdop: float | None
    altitude_m: float | None


@dataclass(frozen=True)
class Rmc:
    time: dt.time | None
    valid: bool
    lat: float | None
    lon: float | None
    speed_knots: float | None
    date: dt.date | None


def parse(line: str) -> Gga | Rmc | None:
    """A GGA or RMC sentence; None for other valid sentences; NmeaError for a bad one."""
    f = split(line)
    kind = f[0][-3:]
    try:
        if kind == "GGA":
            quality = int(f[6] or 0)
            has = quality > 0 and bool(f[2])
            return Gga(
                time=_time(f[1]),
                lat=_coord(f[2], f[3], 2) if has else None,
                lon=_coord(f[4], f[5], 3) if has else None,
                quality=quality,
                sats=int(f[7] or 0),
                hdop=float(f[8]) if f[8] else None,
                altitude_m=float(f[9]) if f[9] else None,
            )
        if kind == "RMC":
            valid = f[2] == "A"
            date = None
            if len(f[9]) == 6:
                yy = int(f[9][4:6])  # two-digit year: 80..99 are the 1900s (GPS began in 1980)
                date = dt.date(yy + (1900 if yy >= 80 else 2000), int(f[9][2:4]), int(f[9][:2]))
            return Rmc(
                time=_time(f[1]),
                valid=valid,
                lat=_coord(f[3], f[4], 2) if valid else None,
                lon=_coord(f[5], f[6], 3) if valid else None,
                speed_knots=float(f[7]) if f[7] else None,
                date=date,
            )
    except (IndexError, ValueError) as exc:
        raise NmeaError(f"malformed {kind}: {exc}") from None
    return None


def _fmt_coord(value: float, degree_digits: int, hemis: str) -> tuple[str, str]:
    hemi = hemis[0] if value >= 0 else hemis[1]
    value = abs(value)
    deg = int(value)
    minutes = (value - deg) * 60
    if round(minutes, 5) >= 60:
        deg, minutes = deg + 1, 0.0
    return f"{deg:0{degree_digits}d}{minutes:08.5f}", hemi


def build_gga(talker: str, when: dt.datetime, lat: float, lon: float, quality: int, sats: int,
              hdop: float, altitude_m: float) -> str:
    t = when.strftime("%H%M%S.") + f"{when.microsecond // 10000:02d}"
    if quality <= 0:
        return sentence(f"{talker}GGA,{t},,,,,0,{sats:02d},,,,,,,")
    la, ns = _fmt_coord(lat, 2, "NS")
    lo, ew = _fmt_coord(lon, 3, "EW")
    return sentence(f"{talker}GGA,{t},{la},{ns},{lo},{ew},{quality},{sats:02d},{hdop:.1f},{altitude_m:.1f},M,-8.0,M,,")


def build_rmc(talker: str, when: dt.datetime, lat: float, lon: float, valid: bool, speed_knots: float = 0.0) -> str:
    t = when.strftime("%H%M%S.") + f"{when.microsecond // 10000:02d}"
    d = when.strftime("%d%m%y")
    if not valid:
        return sentence(f"{talker}RMC,{t},V,,,,,,,{d},,,N")
    la, ns = _fmt_coord(lat, 2, "NS")
    lo, ew = _fmt_coord(lon, 3, "EW")
    return sentence(f"{talker}RMC,{t},A,{la},{ns},{lo},{ew},{speed_knots:.2f},0.00,{d},,,A")
