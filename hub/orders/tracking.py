"""The locksmith on the way, for the customer: each GNSS position a kit reports while its order is en route
becomes a `customer.locksmith_position` (distance and arrival estimate by the dispatch ETA model), at most one
every TRACK_EVERY_MS per order so a kit reporting every second does not flood the customer's phone."""

from __future__ import annotations

from hub.db import Conn
from hub.dispatch.eta import CrowFliesEta
from hub.dispatch.settings import load
from hub.orders import outbox, store
from hub.registry.geo import haversine_km
from protocol.clock import Clock
from protocol.messages.tracking import LocksmithPosition

TRACK_EVERY_MS = 10_000


def on_position(conn: Conn, clock: Clock, kit_id: str, lat: float, lon: float,
                at_ms: int | None = None) -> str | None:
    """Called where the hub stores a kit's position; returns the order told, if any."""
    order = store.en_route_of_kit(conn, kit_id)
    if order is None:
        return None
    now = clock.now_ms()
    last = conn.execute("SELECT sent_ms FROM order_tracking WHERE order_id = ?", (order["id"],)).fetchone()
    if last is not None and now - last["sent_ms"] < TRACK_EVERY_MS:
        return None
    s = load(conn)
    site = (order["site_lat"], order["site_lon"])
    eta = CrowFliesEta(s.circuity, s.speed_kmh).eta_s([(lat, lon)], site)[0]
    distance_m = round(haversine_km(lat, lon, site[0], site[1]) * 1000)
    outbox.put(conn, clock, "customer", order["customer_id"],
               LocksmithPosition(order["id"], round(lat, 6), round(lon, 6), distance_m, eta, at_ms or now))
    conn.execute("INSERT INTO order_tracking(order_id, sent_ms) VALUES (?, ?) ON CONFLICT(order_id) DO UPDATE SET"
                 " sent_ms = excluded.sent_ms", (order["id"], now))
    return str(order["id"])
