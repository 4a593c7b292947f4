"""The route to the site (R-8 "the kit shows the route to the site"), behind one small interface.

The kit has no road network offline, so the default `OfflineRouteProvider` works from the two positions
alone: great-circle distance and initial bearing (exact on the sphere), and a road estimate the way the
hub estimates the offer's ETA (hub/dispatch/eta.py): straight-line distance x circuity, at an average
urban speed. Its defaults live in the kit's settings (`kit.toml` `[route]`, edge.settings.KitRoute).

`RouteProvider` is what a road-network service can implement later without touching the UI or the CLI:
an OSRM `/route/v1/driving/{lon},{lat};{lon},{lat}` or Valhalla `/route` call answers `route(origin,
site)` with its `distance` (metres) and `duration` (seconds) as `road_distance_m` and `eta_s`, its shape
as `geometry`, and `source="osrm"`; distance, bearing and arrival stay the straight-line ones
(`straight_line`), because arrival is judged as the job flow judges it (edge.job.flow.JobFlow.arrive:
great-circle distance against `arrival_max_distance_m`). Such a provider must answer quickly (callers
ask about once a second, off the UI thread) and fall back to the offline one when the network is absent:
the kit works offline first.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Protocol

from edge.job.config import JobSettings
from edge.job.devices import Fix
from edge.job.geo import distance_m, within_arrival
from edge.job.order import OrderInfo
from edge.settings import KitRoute

LatLon = tuple[float, float]

# Eight compass points, clockwise from north; each covers 45 degrees centred on its bearing.
COMPASS_POINTS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


@dataclass(frozen=True)
class Route:
    """From the kit's position to the site. `distance_m`, `bearing_deg` and `arrived` are straight-line;
    `road_distance_m` and `eta_s` are the provider's (an estimate when `source` is "offline")."""

    distance_m: float
    bearing_deg: float  # initial great-circle bearing, degrees clockwise from true north, [0, 360)
    compass: str  # one of COMPASS_POINTS (the UI translates it)
    road_distance_m: float
    eta_s: int
    arrived: bool  # within the job flow's arrival radius
    arrival_radius_m: float
    source: str = "offline"
    geometry: tuple[LatLon, ...] = ()  # a route service's path, origin to site; empty offline

    def with_road(self, road_distance_m: float, eta_s: int, source: str,
                  geometry: tuple[LatLon, ...] = ()) -> Route:
        """The same straight-line facts with a route service's road distance, duration and path."""
        return dataclasses.replace(self, road_distance_m=road_distance_m, eta_s=eta_s, source=source,
                                   geometry=geometry)


class RouteProvider(Protocol):
    def route(self, origin: LatLon, site: LatLon) -> Route:
        """The route from `origin` (the kit's GNSS position) to `site`, both WGS-84 (lat, lon) degrees."""
        ...


def initial_bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle bearing leaving point 1 towards point 2, degrees clockwise from north in [0, 360)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def compass_point(bearing_deg: float) -> str:
    return COMPASS_POINTS[int((bearing_deg % 360.0 + 22.5) // 45.0) % 8]


def straight_line(origin: LatLon, site: LatLon, arrival_radius_m: float) -> Route:
    """Distance, bearing and arrival, with the straight line as the road (no circuity, no ETA yet)."""
    dist = distance_m(origin[0], origin[1], site[0], site[1])
    bearing = initial_bearing_deg(origin[0], origin[1], site[0], site[1])
    return Route(distance_m=dist, bearing_deg=bearing, compass=compass_point(bearing), road_distance_m=dist,
                 eta_s=0, arrived=within_arrival(dist, arrival_radius_m), arrival_radius_m=arrival_radius_m)


class OfflineRouteProvider:
    """Great-circle distance x `circuity` as the road distance, at `speed_kmh` for the ETA (both positive:
    edge.settings.KitRoute refuses anything else when kit.toml is read)."""

    def __init__(self, circuity: float, speed_kmh: float, arrival_radius_m: float) -> None:
        self.circuity = circuity
        self.speed_kmh = speed_kmh
        self.arrival_radius_m = arrival_radius_m

    def route(self, origin: LatLon, site: LatLon) -> Route:
        line = straight_line(origin, site, self.arrival_radius_m)
        road = line.distance_m * self.circuity
        return line.with_road(road, round(road / (self.speed_kmh / 3.6)), "offline")


def default_provider(route: KitRoute, job: JobSettings) -> RouteProvider:
    """The kit's provider: its `[route]` settings, and the arrival radius of its job flow (`job.toml`)."""
    return OfflineRouteProvider(route.circuity, route.speed_kmh, job.arrival_max_distance_m)


def route_to_site(provider: RouteProvider, order: OrderInfo, fix: Fix | None) -> Route | None:
    """The route for an order from a GNSS fix; None without a fix or when the order has no site location."""
    if fix is None or order.site_lat is None or order.site_lon is None:
        return None
    return provider.route((fix.lat, fix.lon), (order.site_lat, order.site_lon))
