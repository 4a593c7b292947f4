"""The operators' requests' storage: answered requests by transaction id (a retry is answered from here,
`ops_requests`) and the log of masked ID numbers opened (`id_openings`)."""

from __future__ import annotations

import json
from typing import Any

from hub.db import Conn


def answer(conn: Conn, txn: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT response_json FROM ops_requests WHERE txn = ?", (txn,)).fetchone()
    return None if row is None else dict(json.loads(row["response_json"]))


def remember(conn: Conn, txn: str, actor: str, op: str, response: Any, now_ms: int) -> None:
    conn.execute("INSERT INTO ops_requests(txn, actor, op, response_json, at_ms) VALUES (?,?,?,?,?)"
                 " ON CONFLICT (txn) DO NOTHING", (txn, actor, op, json.dumps(response, ensure_ascii=False), now_ms))


def log_opening(conn: Conn, *, actor: str, at_ms: int, subject: str, ref: str, reason: str) -> None:
    conn.execute("INSERT INTO id_openings(actor, at_ms, subject, ref, reason) VALUES (?,?,?,?,?)",
                 (actor, at_ms, subject, ref, reason))


def openings(conn: Conn, limit: int = 500) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT actor, at_ms, subject, ref, reason FROM id_openings"
                                          " ORDER BY n DESC LIMIT ?", (limit,))]
