"""Evidence bundles' storage (`evidence_bundles`): each order's manifest as its kit sent it, how the last
check went, and whether it was forwarded to the police."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hub.db import Conn


@dataclass(frozen=True)
class Bundle:
    order_id: str
    kit_id: str
    manifest: dict[str, Any]
    forwarded: bool


def put(conn: Conn, *, order_id: str, kit_id: str, record_id: str, manifest: dict[str, Any],
        manifest_sha256: str, status: str, detail: str, now_ms: int) -> None:
    conn.execute(
        "INSERT INTO evidence_bundles(order_id, kit_id, record_id, manifest, manifest_sha256, status, detail, "
        "received_ms, checked_ms) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(order_id) DO UPDATE SET "
        "kit_id=excluded.kit_id, record_id=excluded.record_id, manifest=excluded.manifest, "
        "manifest_sha256=excluded.manifest_sha256, status=excluded.status, detail=excluded.detail, "
        "checked_ms=excluded.checked_ms",
        (order_id, kit_id, record_id, json.dumps(manifest, ensure_ascii=False), manifest_sha256, status, detail,
         now_ms, now_ms))


def any_incomplete(conn: Conn, kit_id: str) -> bool:
    return conn.execute("SELECT 1 FROM evidence_bundles WHERE kit_id=? AND status='incomplete' LIMIT 1",
                        (kit_id,)).fetchone() is not None


def incomplete(conn: Conn, kit_id: str | None = None) -> list[Bundle]:
    """Bundles not complete yet (of one kit, when given)."""
    sql = "SELECT order_id, kit_id, manifest, forwarded FROM evidence_bundles WHERE status IN ('incomplete')"
    args: tuple[Any, ...] = ()
    if kit_id is not None:
        sql += " AND kit_id=?"
        args = (kit_id,)
    return [Bundle(r["order_id"], r["kit_id"], json.loads(r["manifest"]), bool(r["forwarded"]))
            for r in conn.execute(sql, args).fetchall()]


def set_status(conn: Conn, order_id: str, status: str, detail: str, now_ms: int) -> None:
    conn.execute("UPDATE evidence_bundles SET status=?, detail=?, checked_ms=? WHERE order_id=?",
                 (status, detail, now_ms, order_id))


def get(conn: Conn, order_id: str) -> Bundle | None:
    row = conn.execute("SELECT order_id, kit_id, manifest, forwarded FROM evidence_bundles WHERE order_id=?",
                       (order_id,)).fetchone()
    return None if row is None else Bundle(row["order_id"], row["kit_id"], json.loads(row["manifest"]),
                                           bool(row["forwarded"]))


def status_of(conn: Conn, order_id: str) -> str | None:
    """Where the order's evidence bundle stands (its check's status), or None when the hub holds none."""
    row = conn.execute("SELECT status FROM evidence_bundles WHERE order_id=?", (order_id,)).fetchone()
    return None if row is None else str(row[0])


def mark_forwarded(conn: Conn, order_id: str) -> None:
    conn.execute("UPDATE evidence_bundles SET forwarded=1 WHERE order_id=?", (order_id,))
