"""Read-only views for operator consoles: kits (presence, position, backlog, locksmith) and police
forwarding health. Queries only; the hub service's own state is what they show."""

from __future__ import annotations

from typing import Any

from hub.db import Conn
from protocol.clock import Clock


def kits_list(conn: Conn, clock: Clock, actor: str, a: Any, txn: str) -> Any:
    rows = conn.execute(
        "SELECT p.kit_id, p.online, p.lat, p.lon, p.pos_ms, p.updated_ms, l.id AS locksmith_id, l.name AS locksmith,"
        " s.backlog_records, s.backlog_files, s.since_ms"
        " FROM kit_presence p"
        " LEFT JOIN locksmith_kits k ON k.kit_id = p.kit_id AND k.unlinked_ms IS NULL"
        " LEFT JOIN locksmiths l ON l.id = k.locksmith_id"
        " LEFT JOIN kit_link_state s ON s.kit_id = p.kit_id"
        " ORDER BY p.kit_id").fetchall()
    out = []
    for r in rows:
        quarantined = conn.execute("SELECT COUNT(*) FROM quarantine WHERE sender=?", (r["kit_id"],)).fetchone()[0]
        out.append({**dict(r), "online": bool(r["online"]), "quarantined": int(quarantined)})
    return out


def police_status(conn: Conn, clock: Clock, actor: str, a: Any, txn: str) -> Any:
    def one(sql: str) -> Any:
        return conn.execute(sql).fetchone()[0]

    diverged = conn.execute("SELECT v FROM police_forward_state WHERE k='diverged'").fetchone()
    return {
        "feed": int(one("SELECT COALESCE(MAX(seq), 0) FROM police_feed")),
        "sealed": int(one("SELECT COALESCE(MAX(seq), 0) FROM police_outbox")),
        "acked": int(one("SELECT COALESCE(MAX(seq), 0) FROM police_outbox WHERE acked_ms IS NOT NULL")),
        "backlog": int(one("SELECT COUNT(*) FROM police_outbox WHERE acked_ms IS NULL")),
        "oldest_unacked_ms": one("SELECT MIN(created_ms) FROM police_outbox WHERE acked_ms IS NULL"),
        "media_acked": int(one("SELECT COUNT(*) FROM police_media_acked")),
        "diverged": diverged[0] if diverged else None,
    }
