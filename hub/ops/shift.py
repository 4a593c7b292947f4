"""What an operator on shift reads first: the event history kept at the hub, and what needs attention.

Read-only views. The history is the operator events the hub already stored in its outbox (every
`ops.event` is a `domain_outbox` row, kept after it is sent), so a console started mid-shift shows what
happened before it. The attention list gathers, from the stores that own them, the things a person must
act on, each with an urgency so the console can sort the worst first."""

from __future__ import annotations

import json
from typing import Any

from hub.db import Conn
from hub.dispatch import offers
from hub.orders import store
from hub.risk.warnings import shown_id, subject_name
from hub.timers import scheduler
from protocol.clock import Clock

# Higher first. The order is the duty desk's: a customer waiting with nobody coming beats a red warning,
# which beats paperwork; a kit that cannot upload evidence beats noise in the quarantine.
URGENCY = {
    "order.unassigned": 100,
    "offer.last_chance": 90,
    "order.arrival_missed": 85,
    "warning.red": 80,
    "documents.overdue": 70,
    "timer.failed": 60,
    "kit.offline_backlog": 50,
    "quarantine.growth": 30,
}

# An open offer this close to expiring, with no other candidate to try after it, is worth a look now.
LAST_CHANCE_MS = 60_000
QUARANTINE_WINDOW_MS = 3_600_000


def events_history(conn: Conn, clock: Clock, actor: str, a: Any, txn: str) -> Any:
    """The latest `limit` operator events, oldest first (optionally one order's)."""
    sql = "SELECT seq, body_json FROM domain_outbox WHERE type = 'ops.event'"
    args: list[Any] = []
    if a.order_id:
        sql += " AND json_extract(body_json, '$.order_id') = ?"
        args.append(a.order_id)
    rows = conn.execute(sql + " ORDER BY seq DESC LIMIT ?", (*args, max(1, min(a.limit, 2000)))).fetchall()
    return [{**json.loads(r["body_json"]), "seq": r["seq"]} for r in reversed(rows)]


def _item(kind: str, since_ms: Any, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "urgency": URGENCY[kind], "since_ms": since_ms, **fields}


def attention(conn: Conn, clock: Clock, actor: str, a: Any, txn: str) -> Any:
    """Everything that needs a person now, most urgent first, oldest first within a kind."""
    now = clock.now_ms()
    items: list[dict[str, Any]] = []
    orders = store.needing_attention(conn)
    for o in orders["unassigned"]:
        items.append(_item("order.unassigned", o["updated_ms"], order_id=o["id"], site=o["site_address"],
                           customer=o["customer_name"] or "", detail=o["state_reason"]))
    for o in orders["arrival_missed"]:
        items.append(_item("order.arrival_missed", o["updated_ms"], order_id=o["id"], customer=o["customer_name"] or "",
                           locksmith=o["locksmith"] or ""))
    for f in offers.expiring_with_nobody_left(conn, now + LAST_CHANCE_MS):
        items.append(_item("offer.last_chance", f["offered_ms"], order_id=f["order_id"],
                           locksmith=f["locksmith"] or "", due_ms=f["expires_ms"]))
    for r in conn.execute("SELECT subject, subject_id, score, reasons_json, updated_ms FROM risk_warnings"
                          " WHERE level = 'red' ORDER BY updated_ms"):
        items.append(_item("warning.red", r["updated_ms"], subject=r["subject"],
                           subject_id=shown_id(r["subject"], r["subject_id"]),
                           locksmith=subject_name(conn, r["subject"], r["subject_id"]),
                           score=r["score"], reasons=json.loads(r["reasons_json"] or "[]")))
    for o in orders["documents_overdue"]:
        items.append(_item("documents.overdue", o["updated_ms"], order_id=o["id"], customer=o["customer_name"] or ""))
    for t in scheduler.failed(conn):
        payload = json.loads(str(t["payload_json"] or "{}"))
        items.append(_item("timer.failed", t["fired_ms"] or t["due_ms"], timer=t["kind"], key=t["key"],
                           order_id=payload.get("order_id"), detail=t["error"] or ""))
    for r in conn.execute(
            "SELECT p.kit_id, p.updated_ms, s.backlog_records, s.backlog_files, l.name AS locksmith"
            " FROM kit_presence p JOIN kit_link_state s ON s.kit_id = p.kit_id"
            " LEFT JOIN locksmith_kits k ON k.kit_id = p.kit_id AND k.unlinked_ms IS NULL"
            " LEFT JOIN locksmiths l ON l.id = k.locksmith_id"
            " WHERE p.online = 0 AND (s.backlog_records > 0 OR s.backlog_files > 0) ORDER BY p.updated_ms"):
        items.append(_item("kit.offline_backlog", r["updated_ms"], kit_id=r["kit_id"], locksmith=r["locksmith"] or "",
                           records=r["backlog_records"], files=r["backlog_files"]))
    recent = conn.execute("SELECT COUNT(*), MIN(received_ms) FROM quarantine WHERE received_ms >= ?",
                          (now - QUARANTINE_WINDOW_MS,)).fetchone()
    if recent[0]:
        items.append(_item("quarantine.growth", recent[1], count=int(recent[0]),
                           total=int(conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0])))
    items.sort(key=lambda i: (-i["urgency"], i["since_ms"] or 0))
    return items
