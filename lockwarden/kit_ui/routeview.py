"""The route to the site as a person reads it: the same lines on the touchscreen's Route screen and from
`lockwarden kit route`. Plain functions over edge.job.route (no widget), so both stay thin."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from edge.job.devices import Fix
from edge.job.order import OrderInfo
from edge.job.route import Route
from protocol.i18n import _

# Under this distance a bearing is GNSS noise (a fix is good to a few metres): no direction is shown.
NO_DIRECTION_M = 10.0
ARROWS = {"N": "↑", "NE": "↗", "E": "→", "SE": "↘", "S": "↓", "SW": "↙", "W": "←", "NW": "↖"}


def compass_name(point: str) -> str:
    return {
        "N": _("north"),
        "NE": _("northeast"),
        "E": _("east"),
        "SE": _("southeast"),
        "S": _("south"),
        "SW": _("southwest"),
        "W": _("west"),
        "NW": _("northwest"),
    }[point]


def distance_text(metres: float) -> str:
    """Metres under a kilometre (GNSS is good to a few metres), else kilometres to one decimal."""
    if metres < 1000:
        return _("{metres} m").format(metres=round(metres))
    return _("{km} km").format(km=f"{metres / 1000:.1f}")


def eta_minutes(eta_s: int) -> int:
    return max(1, round(eta_s / 60))  # as the Offer screen shows the hub's ETA


@dataclass(frozen=True)
class RouteLines:
    """One text per line of the view; empty where there is nothing to say (no fix: no numbers)."""

    address: str
    direction: str = ""
    distance: str = ""
    road: str = ""
    eta: str = ""
    position: str = ""
    status: str = ""

    def lines(self) -> list[str]:
        return [t for t in (self.address, self.direction, self.distance, self.road, self.eta, self.position,
                            self.status) if t]


def route_lines(order: OrderInfo, fix: Fix | None, route: Route | None, arrival_radius_m: float, *,
                arrival_recorded: bool = False) -> RouteLines:
    """`arrival_recorded`: the job is past its arrival step, so the status says that instead."""
    lines = _route_lines(order, fix, route, arrival_radius_m)
    if arrival_recorded:
        return replace(lines, status=_("Arrival is recorded for this order"))
    return lines


def _route_lines(order: OrderInfo, fix: Fix | None, route: Route | None, arrival_radius_m: float) -> RouteLines:
    address = _("Site: {site}").format(site=order.site_address)
    if order.site_lat is None or order.site_lon is None:
        return RouteLines(address, status=_("The order has no site location: only the address can be shown"))
    if fix is None or route is None:
        return RouteLines(address, position=_("No GNSS position yet: the route shows with the first fix"))
    radius = round(arrival_radius_m)
    road = _("By road: about {distance} (estimate)") if route.source == "offline" else _("By road: {distance}")
    return RouteLines(
        address,
        direction="" if route.distance_m < NO_DIRECTION_M else _("Direction: {arrow} {point} ({degrees}°)").format(
            arrow=ARROWS[route.compass], point=compass_name(route.compass), degrees=round(route.bearing_deg) % 360),
        distance=_("Distance: {distance} in a straight line").format(distance=distance_text(route.distance_m)),
        road=road.format(distance=distance_text(route.road_distance_m)),
        eta=_("Estimated arrival: {minutes} min").format(minutes=eta_minutes(route.eta_s)),
        position=_("Position: {lat}, {lon} ({satellites} satellites)").format(
            lat=f"{fix.lat:.5f}", lon=f"{fix.lon:.5f}", satellites=fix.satellites),
        status=(_("You are at the site (within {radius} m): enter the customer's service code") if route.arrived
                else _("Arrival counts within {radius} m of the site")).format(radius=radius),
    )


def route_json(order: OrderInfo, fix: Fix | None, route: Route | None, arrival_radius_m: float) -> dict[str, Any]:
    """The same facts for scripts (`lockwarden kit route --json`)."""
    data: dict[str, Any] = {"order_id": order.order_id, "site_address": order.site_address,
                            "site_lat": order.site_lat, "site_lon": order.site_lon,
                            "position": fix.as_dict() if fix else None, "arrival_radius_m": arrival_radius_m,
                            "route": None}
    if route is not None:
        data["route"] = {"distance_m": round(route.distance_m, 1), "bearing_deg": round(route.bearing_deg, 1),
                         "compass": route.compass, "road_distance_m": round(route.road_distance_m, 1),
                         "eta_s": route.eta_s, "arrived": route.arrived, "source": route.source}
    return data
