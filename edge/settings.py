"""The kit's settings file (`kit.toml` in the kit directory), written by provisioning."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from protocol.limits import MAX_CHUNK_BYTES
from protocol.messages.media import DEFAULT_CHUNK_SIZE

_Positive = Annotated[float, msgspec.Meta(gt=0)]


class KitBroker(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """host, port: the hub's Mosquitto. username: the kit id (the ACL pins the kit to its own topics).
    password: issued at provisioning. tls_*: CA, client certificate and key for the field listener."""

    host: str = "127.0.0.1"
    port: int = 1883
    username: str = ""
    password: str = ""
    tls_ca: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None


class KitRoute(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The route to the site shown on the kit (R-8), estimated offline: the kit carries no road network, so
    the road distance is the great-circle distance times `circuity`, and the ETA that distance at `speed_kmh`
    (edge.job.route.OfflineRouteProvider). The defaults are the hub's dispatch ETA defaults, so the kit and
    the offer agree: circuity 1.4 (road over straight-line distance; Boscoe, Henry & Zdeb 2012 report a mean
    of 1.417), speed_kmh 25 (urban door-to-door driving; peak-hour averages in large Chinese cities are
    20-30 km/h). Set both per city, like the hub's."""

    circuity: _Positive = 1.4
    speed_kmh: _Positive = 25.0


class KitSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """kit_id: this kit's name (also its broker username and signed sender).
    key_file: the kit's Ed25519 private key, relative to the kit directory.
    hub_id, hub_verify_key, hub_sealing_key: the hub's name and public keys, pinned at provisioning.
    data_dir: the kit store (SQLite + media), relative to the kit directory.
    disk_floor_mb: below this much free space only job evidence is recorded.
    disk_reserve_mb: below this much free space nothing more is recorded.
    chunk_kib: media chunk size on the wire (at most 1016: a chunk frame fills one 1 MiB message).
    record_window, chunk_window: how much may await the hub's ack (chunks: at most, and less on a slow link:
    see edge/sync/engine.py).
    link_socket: the unix socket (relative to the kit directory) on which the kit service serves the UI.
    language: zh_CN (default in China) or en. hardware: the device section (see docs/hardware.md).
    route: the `[route]` table: how the kit estimates the road distance and arrival time to the site.
    heartbeat_s: how often the kit repeats its signed "online" state while connected; the hub marks a kit
    offline (and offers it nothing) once it has heard nothing for 2.5 heartbeats (hub/registry/presence.py)."""

    kit_id: str
    key_file: str = "keys/kit_signing.key"
    hub_id: str = "hub"
    hub_verify_key: str
    hub_sealing_key: str
    data_dir: str = "data"
    disk_floor_mb: int = 200
    disk_reserve_mb: int = 20
    chunk_kib: Annotated[int, msgspec.Meta(ge=1, le=MAX_CHUNK_BYTES // 1024)] = DEFAULT_CHUNK_SIZE // 1024
    record_window: int = 1000
    chunk_window: Annotated[int, msgspec.Meta(ge=1)] = 16
    link_socket: str = "kit.sock"
    heartbeat_s: float = 60.0
    language: str = "zh_CN"
    broker: KitBroker = msgspec.field(default_factory=KitBroker)
    route: KitRoute = msgspec.field(default_factory=KitRoute)
    hardware: dict[str, Any] = msgspec.field(default_factory=dict)
