"""Serial GNSS receiver (NMEA 0183 GGA/RMC): parser, reader, emulator, distances."""

from edge.hardware.gnss.geo import haversine_m
from edge.hardware.gnss.nmea import Position
from edge.hardware.gnss.reader import GnssReader, GnssUnavailable

__all__ = ["GnssReader", "GnssUnavailable", "Position", "haversine_m"]
