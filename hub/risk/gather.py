"""The thin part of risk scoring: reading a subject's features from the hub database.

Each function returns plain numbers keyed by rule code (hub/risk/rules.toml); scoring is in model.py.
"""

from __future__ import annotations

import datetime as dt
import json

from hub.db import Conn, Row
from hub.risk.config import RiskRules

DONE_STATES = ("completed", "awaiting_documents", "documents_verified", "case_opened")
DAY_MS = 86_400_000


def _is_night(ms: int, start: int, end: int, offset_h: float) -> bool:
    hour = dt.datetime.fromtimestamp(ms / 1000 + offset_h * 3600, tz=dt.UTC).hour
    return hour >= start or hour < end if start > end else start <= hour < end


def customer_features(conn: Conn, id_number: str, now_ms: int,
                      rules: RiskRules) -> tuple[dict[str, float], dict[str, float]]:
    orders = list(conn.execute(
        "SELECT id, state, site_address, lock_class, request_json, created_ms, documents_overdue FROM orders"
        " WHERE upper(json_extract(request_json, '$.customer_id_number')) = upper(?)", (id_number,)))
    ids = [o["id"] for o in orders]
    subs: list[Row] = []
    if ids:
        marks = ",".join("?" * len(ids))
        subs = list(conn.execute(f"SELECT * FROM document_submissions WHERE order_id IN ({marks})", ids))
    window = int(rules.param("customer", "many_addresses", "window_days", 30)) * DAY_MS
    start = int(rules.param("customer", "night_without_officer", "night_start_hour", 22))
    end = int(rules.param("customer", "night_without_officer", "night_end_hour", 6))
    offset = float(rules.param("customer", "night_without_officer", "utc_offset_hours", 8))
    verified_orders = {s["order_id"] for s in subs if s["status"] == "verified"}
    licence_orders = {s["order_id"] for s in subs
                      if s["status"] != "rejected" and "vehicle_licence" in json.loads(s["doc_types_json"])}
    f: dict[str, float] = {
        "documents_overdue": float(any(
            (o["state"] == "case_opened" or o["documents_overdue"]) and o["id"] not in verified_orders
            for o in orders)),
        "documents_mismatch": float(any(
            s["holder_id_number"] and s["holder_id_number"].upper() != id_number.upper() and s["status"] != "rejected"
            for s in subs)),
        "documents_rejected": float(sum(1 for s in subs if s["status"] == "rejected")),
        "many_addresses": float(len({o["site_address"].strip() for o in orders
                                     if now_ms - int(o["created_ms"]) <= window})),
        "night_without_officer": float(sum(
            1 for o in orders if not json.loads(o["request_json"]).get("officer")
            and _is_night(int(o["created_ms"]), start, end, offset))),
        "car_without_licence": float(sum(1 for o in orders if o["lock_class"] == "car" and o["state"] in DONE_STATES
                                         and o["id"] not in licence_orders)),
    }
    return f, {}


def locksmith_features(conn: Conn, locksmith_id: str, now_ms: int,
                       rules: RiskRules) -> tuple[dict[str, float], dict[str, float]]:
    row = conn.execute("SELECT rating_sum, rating_count FROM locksmiths WHERE id=?", (locksmith_id,)).fetchone()
    rating_count = int(row["rating_count"]) if row else 0
    mean = (int(row["rating_sum"]) / rating_count) if row and rating_count else 5.0
    disputes = conn.execute("SELECT count(*) FROM orders WHERE locksmith_id=? AND state='disputed'",
                            (locksmith_id,)).fetchone()[0]
    complaints = conn.execute("SELECT count(*) FROM followups WHERE locksmith_id=? AND outcome='complaint'",
                              (locksmith_id,)).fetchone()[0]
    withdrew = conn.execute(
        "SELECT count(*) FROM order_transitions t WHERE t.event='locksmith_withdrew' AND EXISTS"
        " (SELECT 1 FROM offers o WHERE o.order_id=t.order_id AND o.locksmith_id=? AND o.state='accepted')",
        (locksmith_id,)).fetchone()[0]
    incomplete = conn.execute(
        "SELECT count(*) FROM orders WHERE locksmith_id=? AND state IN ('on_site','verified','in_progress')"
        " AND updated_ms < ?", (locksmith_id, now_ms - DAY_MS)).fetchone()[0]
    missing = conn.execute(
        "SELECT count(*) FROM orders o WHERE o.locksmith_id=? AND o.completed_ms IS NOT NULL AND ("
        " NOT EXISTS (SELECT 1 FROM media_files m WHERE m.order_id=o.id AND m.kind LIKE 'video%' AND m.status='complete')"
        " OR NOT EXISTS (SELECT 1 FROM media_files m WHERE m.order_id=o.id AND m.kind LIKE '%before%')"
        " OR NOT EXISTS (SELECT 1 FROM media_files m WHERE m.order_id=o.id AND m.kind LIKE '%after%'))",
        (locksmith_id,)).fetchone()[0]
    limit = float(rules.param("locksmith", "arrival_far", "distance_m", 300))
    far = conn.execute(
        "SELECT count(*) FROM job_evidence e JOIN orders o ON o.id=e.order_id WHERE o.locksmith_id=?"
        " AND e.kind='job.arrived' AND CAST(json_extract(e.data_json, '$.distance_m') AS REAL) > ?",
        (locksmith_id, limit)).fetchone()[0]
    f = {"complaints": float(disputes + complaints), "low_rating": mean, "abandoned_jobs": float(withdrew),
         "incomplete_jobs": float(incomplete), "missing_evidence": float(missing), "arrival_far": float(far)}
    return f, {"low_rating": float(rating_count)}
