"""Estimated arrival time behind one interface, so a road-network table service can replace the default.

An OSRM `/table` or Valhalla `sources_to_targets` call answers exactly `eta_s(origins, site)` for a
shortlist; the dispatcher only asks about the few nearest candidates it pre-selected in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from hub.dispatch.settings import Settings
from hub.registry.geo import haversine_km

LatLon = tuple[float, float]


class EtaProvider(Protocol):
    def eta_s(self, origins: Sequence[LatLon], site: LatLon) -> list[int]:
        """Seconds from each origin to the site, in the same order."""
        ...


class CrowFliesEta:
    """Great-circle distance x road circuity factor / average speed."""

    def __init__(self, circuity: float, speed_kmh: float) -> None:
        self.circuity = circuity
        self.speed_kmh = speed_kmh

    def eta_s(self, origins: Sequence[LatLon], site: LatLon) -> list[int]:
        return [round(haversine_km(lat, lon, site[0], site[1]) * self.circuity / self.speed_kmh * 3600)
                for lat, lon in origins]


_override: EtaProvider | None = None


def set_provider(provider: EtaProvider | None) -> None:
    """Install a road-network provider (None restores the default)."""
    global _override
    _override = provider


def provider(settings: Settings) -> EtaProvider:
    return _override or CrowFliesEta(settings.circuity, settings.speed_kmh)
