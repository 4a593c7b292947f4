"""The route to the site (edge/job/route.py): distance, bearing and compass point against known coordinates,
the road and ETA estimate from the kit's `[route]` settings, and arrival judged exactly as the job flow
judges it (the real flow over the GNSS emulator)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from edge.job.config import JobSettings
from edge.job.devices import Fix
from edge.job.geo import EARTH_RADIUS_M
from edge.job.order import OrderInfo
from edge.job.route import (
    OfflineRouteProvider,
    Route,
    compass_point,
    default_provider,
    initial_bearing_deg,
    route_to_site,
    straight_line,
)
from edge.job.steps import Step
from edge.settings import KitRoute, KitSettings
from protocol.settings import SettingsError, load_settings
from tests.job.conftest import CODE, ORDER_ID, SITE, Kit, order_body
from tests.job.walk import walk

TIANANMEN = (39.9087, 116.3975)  # the site of the example order (protocol/messages/job.py)


def offset(origin: tuple[float, float], north_m: float, east_m: float) -> tuple[float, float]:
    """A point so many metres north and east of `origin` (flat-earth steps: exact enough within a few km)."""
    lat = origin[0] + math.degrees(north_m / EARTH_RADIUS_M)
    lon = origin[1] + math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(origin[0]))))
    return lat, lon


def test_tiananmen_to_a_point_one_kilometre_northeast() -> None:
    leg = 1000 / math.sqrt(2)
    site = offset(TIANANMEN, leg, leg)  # 707 m north, 707 m east
    route = OfflineRouteProvider(circuity=1.4, speed_kmh=25.0, arrival_radius_m=200).route(TIANANMEN, site)
    assert route.distance_m == pytest.approx(1000, abs=1.0)
    assert route.bearing_deg == pytest.approx(45, abs=0.05)
    assert route.compass == "NE"
    assert route.road_distance_m == pytest.approx(1400, abs=1.5)
    assert route.eta_s == 202  # 1400 m at 25 km/h (6.94 m/s) is 201.6 s
    assert route.arrived is False and route.source == "offline" and route.geometry == ()
    back = OfflineRouteProvider(1.4, 25.0, 200).route(site, TIANANMEN)
    assert back.compass == "SW" and back.bearing_deg == pytest.approx(225, abs=0.05)
    assert back.distance_m == pytest.approx(route.distance_m)


def test_long_route_against_a_published_reference() -> None:
    # Land's End to John o' Groats, the worked example of Veness, "Calculate distance, bearing and more
    # between latitude/longitude points" (movable-type.co.uk): 968.9 km, initial bearing 009°07'11".
    lands_end = (50 + 3 / 60 + 59 / 3600, -(5 + 42 / 60 + 53 / 3600))
    john_o_groats = (58 + 38 / 60 + 38 / 3600, -(3 + 4 / 60 + 12 / 3600))
    line = straight_line(lands_end, john_o_groats, 200)
    assert round(line.distance_m / 1000, 1) == 968.9
    assert line.bearing_deg == pytest.approx(9 + 7 / 60 + 11 / 3600, abs=1 / 3600)
    assert line.compass == "N"


@pytest.mark.parametrize(("north", "east", "bearing", "point"), [
    (500, 0, 0, "N"), (500, 500, 45, "NE"), (0, 500, 90, "E"), (-500, 500, 135, "SE"),
    (-500, 0, 180, "S"), (-500, -500, 225, "SW"), (0, -500, 270, "W"), (500, -500, 315, "NW"),
])
def test_eight_compass_points_around_the_site(north: float, east: float, bearing: float, point: str) -> None:
    there = offset(TIANANMEN, north, east)
    b = initial_bearing_deg(*TIANANMEN, *there)
    # Due east is not a great circle's tangent at 40°N, so the bearing drifts by a few thousandths of a degree.
    assert min(abs(b - bearing), 360 - abs(b - bearing)) < 0.05
    assert compass_point(b) == point


def test_compass_sectors_are_45_degrees_centred_on_the_point() -> None:
    assert [compass_point(b) for b in (0, 22.4, 22.5, 67.4, 67.5, 337.4, 337.5, 359.9, 360, -10)] == \
        ["N", "N", "NE", "NE", "E", "NW", "N", "N", "N", "N"]


def test_kit_defaults_are_the_hubs_eta_defaults() -> None:
    from hub.dispatch.settings import Settings  # read, never imported by edge

    hub = Settings()
    assert (KitRoute().circuity, KitRoute().speed_kmh) == (hub.circuity, hub.speed_kmh)


def test_route_settings_come_from_kit_toml_and_are_checked(tmp_path: Path) -> None:
    base = 'kit_id = "kit-1"\nhub_verify_key = "x"\nhub_sealing_key = "y"\n'
    toml = tmp_path / "kit.toml"
    toml.write_text(base, encoding="utf-8")
    assert load_settings(toml, KitSettings).route == KitRoute(circuity=1.4, speed_kmh=25.0)
    toml.write_text(base + "\n[route]\ncircuity = 1.3\nspeed_kmh = 18\n", encoding="utf-8")
    settings = load_settings(toml, KitSettings)
    assert settings.route == KitRoute(circuity=1.3, speed_kmh=18.0)
    provider = default_provider(settings.route, JobSettings(arrival_max_distance_m=50))
    route = provider.route(TIANANMEN, offset(TIANANMEN, 1000, 0))
    assert route.road_distance_m == pytest.approx(1300, abs=1)
    assert route.eta_s == 260  # 1300 m at 18 km/h (5 m/s)
    assert route.arrival_radius_m == 50
    for bad in ("speed_kmh = 0", "circuity = -1", "circuty = 1.3"):
        toml.write_text(base + f"\n[route]\n{bad}\n", encoding="utf-8")
        with pytest.raises(SettingsError):
            load_settings(toml, KitSettings)


@pytest.mark.parametrize(("metres", "arrived"), [(0, True), (199, True), (201, False), (5000, False)])
def test_arrival_radius(metres: float, arrived: bool) -> None:
    route = OfflineRouteProvider(1.4, 25.0, 200).route(offset(TIANANMEN, metres, 0), TIANANMEN)
    assert route.distance_m == pytest.approx(metres, abs=0.01)
    assert route.arrived is arrived


def test_arrival_radius_is_inclusive_like_the_flow() -> None:
    # JobFlow.arrive flags `distance > arrival_max_distance_m`: exactly at the radius is not flagged.
    there = offset(TIANANMEN, 150, 80)
    exact = straight_line(there, TIANANMEN, 200).distance_m
    assert straight_line(there, TIANANMEN, exact).arrived is True
    assert straight_line(there, TIANANMEN, exact - 0.001).arrived is False


def test_no_route_without_a_fix_or_without_site_coordinates() -> None:
    provider = OfflineRouteProvider(1.4, 25.0, 200)
    order = OrderInfo.from_body(order_body())
    fix = Fix(lat=TIANANMEN[0] + 0.01, lon=TIANANMEN[1])
    assert route_to_site(provider, order, None) is None
    no_site = OrderInfo.from_body({k: v for k, v in order_body().items() if k not in ("site_lat", "site_lon")})
    assert no_site.site_lat is None and route_to_site(provider, no_site, fix) is None
    route = route_to_site(provider, order, fix)
    assert route is not None and route.compass == "S" and route.distance_m == pytest.approx(1112, abs=1)


class FixedRoadService:
    """What a road-network provider (OSRM, Valhalla) looks like behind the interface: its own road distance,
    duration and path, the straight-line facts from `straight_line`."""

    def route(self, origin: tuple[float, float], site: tuple[float, float]) -> Route:
        return straight_line(origin, site, 100).with_road(2500.0, 420, "osrm", (origin, (origin[0], site[1]), site))


def test_a_route_service_replaces_only_the_road_part() -> None:
    order = OrderInfo.from_body(order_body())
    route = route_to_site(FixedRoadService(), order, Fix(lat=SITE[0] - 0.009, lon=SITE[1] - 0.009))
    assert route is not None
    assert (route.road_distance_m, route.eta_s, route.source, len(route.geometry)) == (2500.0, 420, "osrm", 3)
    assert route.compass == "NE" and 1200 < route.distance_m < 1300 and route.arrived is False


@pytest.mark.parametrize(("margin_m", "arrived"), [(-10, True), (10, False)])
def test_route_arrival_matches_the_flows_arrival_flag(kit: Kit, margin_m: float, arrived: bool) -> None:
    """Just inside / outside the radius of job.toml: the route says arrived exactly when the flow's arrival
    record is not flagged as far from the site (same GNSS fix, same order)."""
    walk(kit.flow, kit.cam, until=Step.LOGGED_IN)
    radius = kit.flow.settings.arrival_max_distance_m
    assert radius == 100  # tests/job/conftest.py's job.toml
    kit.move_to(*offset(SITE, radius + margin_m, 0))
    fix = kit.flow.position()
    provider = default_provider(KitRoute(), kit.flow.settings)
    route = route_to_site(provider, kit.flow.job(ORDER_ID).order, fix)
    assert route is not None and route.arrived is arrived
    assert route.distance_m == pytest.approx(radius + margin_m, abs=0.5)
    view = kit.flow.arrive(CODE, ORDER_ID)
    assert view.info["arrival_flagged"] is (not arrived)
    assert view.info["distance_m"] == pytest.approx(route.distance_m, abs=0.1)
