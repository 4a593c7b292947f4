from __future__ import annotations

import datetime as dt
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.hardware.gnss import GnssReader, haversine_m, nmea
from edge.hardware.gnss.emulator import GnssEmulator
from protocol.clock import FakeClock

GGA = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47"
RMC = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A"


def test_reference_sentences() -> None:
    gga = nmea.parse(GGA)
    assert isinstance(gga, nmea.Gga)
    assert gga.lat == pytest.approx(48.1173) and gga.lon == pytest.approx(11.516667, abs=1e-6)
    assert (gga.quality, gga.sats, gga.hdop, gga.altitude_m) == (1, 8, 0.9, 545.4)
    rmc = nmea.parse(RMC)
    assert isinstance(rmc, nmea.Rmc)
    assert rmc.valid and rmc.date == dt.date(1994, 3, 23)
    assert rmc.speed_knots == 22.4


@pytest.mark.parametrize("line", [
    GGA.replace("*47", "*48"),  # wrong checksum
    GGA.replace("4807.038", "4807.039"),  # altered body
    GGA.split("*")[0],  # no checksum at all
    "$GPGGA,123519*ZZ",
])
def test_bad_sentences_rejected(line: str) -> None:
    with pytest.raises(nmea.NmeaError):
        nmea.parse(line)
    reader = GnssReader(clock=FakeClock())
    reader.feed(line)
    assert reader.rejected == 1 and reader.latest() is None


def test_reader_merges_and_ages_out() -> None:
    clock = FakeClock()
    reader = GnssReader(clock=clock, max_age_s=5)
    reader.feed(RMC)
    reader.feed(GGA)
    pos = reader.latest()
    assert pos is not None and pos.has_fix and pos.sats == 8
    assert pos.utc == dt.datetime(1994, 3, 23, 12, 35, 19, tzinfo=dt.UTC)
    clock.advance(5001)
    assert reader.latest() is None
    reader.feed("$GPGGA,123520,,,,,0,00,,,M,,M,,*" + f"{nmea.checksum('GPGGA,123520,,,,,0,00,,,M,,M,,'):02X}")
    assert reader.latest() is None and reader.last_sentence_state() is not None


@given(st.floats(-89.99, 89.99), st.floats(-179.99, 179.99), st.sampled_from(["GP", "GN", "BD"]))
def test_build_parse_roundtrip(lat: float, lon: float, talker: str) -> None:
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    gga = nmea.parse(nmea.build_gga(talker, when, lat, lon, 1, 7, 1.2, 10.0))
    rmc = nmea.parse(nmea.build_rmc(talker, when, lat, lon, True))
    assert isinstance(gga, nmea.Gga) and isinstance(rmc, nmea.Rmc)
    for parsed in (gga, rmc):
        assert parsed.lat == pytest.approx(lat, abs=1e-6) and parsed.lon == pytest.approx(lon, abs=1e-6)
    assert rmc.date == when.date()


def test_haversine() -> None:
    assert haversine_m(0, 0, 0, 1) == pytest.approx(111_195, rel=1e-4)
    assert haversine_m(39.9087, 116.3975, 39.9087, 116.3975) == 0
    # Tiananmen to the Beijing Railway Station: about 2.2 km
    assert 2000 < haversine_m(39.9087, 116.3975, 39.9029, 116.4270) < 2700


def wait_for(pred, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


def test_reader_on_emulator_pty() -> None:
    emu = GnssEmulator(31.2304, 121.4737, interval_s=0.02, talker="BD").start()
    reader = GnssReader.open(emu.path, 9600)
    try:
        wait_for(lambda: reader.latest() is not None)
        pos = reader.latest()
        assert pos is not None and pos.lat == pytest.approx(31.2304, abs=1e-6) and pos.sats == 9
        emu.move_to(31.2400, 121.4800)
        wait_for(lambda: (p := reader.latest()) is not None and p.lat == pytest.approx(31.24, abs=1e-6))
        emu.lose_fix()
        wait_for(lambda: reader.latest() is None)
        emu.set_fix(2, 12, 0.6)
        wait_for(lambda: (p := reader.latest()) is not None and p.fix_quality == 2)
        before = reader.rejected
        emu.corrupt_next()
        wait_for(lambda: reader.rejected > before)
    finally:
        reader.close()
        emu.stop()
