"""Re-scoring whoever a new record concerns: the hub calls `sweep()` in its loop. It reads police_feed
after its cursor (so nothing in the domain has to call risk code), re-scores the customer and locksmith
of every order touched, and forwards the warnings that changed. Idempotent and restart-safe."""

from __future__ import annotations

import json

from hub import police_feed
from hub.db import Conn
from hub.risk.config import RiskRules
from hub.risk.model import Assessment
from hub.risk.warnings import evaluate, evaluate_order
from protocol.clock import Clock

ORDER_FAMILIES = ("order", "documents", "followup", "evidence", "job")


def sweep(conn: Conn, clock: Clock, *, rules: RiskRules | None = None,
          limit: int = 1000) -> list[Assessment]:
    row = conn.execute("SELECT feed_seq FROM risk_cursor WHERE name='feed'").fetchone()
    after = int(row[0]) if row else 0
    rows = police_feed.since(conn, after, limit)
    if not rows:
        return []
    orders: list[str] = []
    locksmiths: list[str] = []
    for r in rows:
        family = r["kind"].split(".", 1)[0]
        if family == "risk":
            continue
        body = json.loads(r["body_json"])
        if family in ORDER_FAMILIES:
            oid = body.get("order_id") or r["entity_id"]
            if oid and oid not in orders:
                orders.append(str(oid))
        elif family == "locksmith" and r["entity_id"] not in locksmiths:
            locksmiths.append(r["entity_id"])
    out: list[Assessment] = []
    for oid in orders:
        out += evaluate_order(conn, clock, oid, rules)
    for lid in locksmiths:
        a = evaluate(conn, clock, "locksmith", lid, rules=rules)
        if a is not None:
            out.append(a)
    conn.execute("INSERT INTO risk_cursor VALUES ('feed', ?) ON CONFLICT(name) DO UPDATE SET feed_seq=excluded.feed_seq",
                 (int(rows[-1]["seq"]),))
    return out
