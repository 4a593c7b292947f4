"""Read-only views for operator consoles: kits (presence, position, backlog, locksmith) and police
forwarding health. Queries only; the hub service's own state is what they show."""

from __future__ import annotations

from typing import Any

from hub import police_feed
from hub.db import Conn
from hub.forwarding import store as forwarding_store
from hub.ingest import store as ingest_store
from hub.registry import store as registry_store
from protocol.clock import Clock


def kits_list(conn: Conn, clock: Clock, actor: str, a: Any, txn: str) -> Any:
    return [{**r, "online": bool(r["online"]), "quarantined": ingest_store.quarantined_of(conn, r["kit_id"])}
            for r in registry_store.kits_overview(conn)]


def police_status(conn: Conn, clock: Clock, actor: str, a: Any, txn: str) -> Any:
    return {"feed": police_feed.last_seq(conn), **forwarding_store.status(conn)}
