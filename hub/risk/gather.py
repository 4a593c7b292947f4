"""The thin part of risk scoring: reading a subject's features from the hub database.

Each function returns plain numbers keyed by rule code (hub/risk/rules.toml); scoring is in model.py.
"""

from __future__ import annotations

import datetime as dt

from hub.db import Conn
from hub.dispatch import offers
from hub.documents import store as documents_store
from hub.followup import store as followup_store
from hub.ingest import media_index
from hub.orders import store as order_store
from hub.registry import store as registry_store
from hub.risk.config import RiskRules

DONE_STATES = ("completed", "awaiting_documents", "documents_verified", "case_opened")
DAY_MS = 86_400_000


def _is_night(ms: int, start: int, end: int, offset_h: float) -> bool:
    hour = dt.datetime.fromtimestamp(ms / 1000 + offset_h * 3600, tz=dt.UTC).hour
    return hour >= start or hour < end if start > end else start <= hour < end


def customer_features(conn: Conn, id_number: str, now_ms: int,
                      rules: RiskRules) -> tuple[dict[str, float], dict[str, float]]:
    orders = order_store.of_customer_id_number(conn, id_number)
    ids = [o.id for o in orders]
    subs = documents_store.for_orders(conn, ids)
    window = int(rules.param("customer", "many_addresses", "window_days", 30)) * DAY_MS
    start = int(rules.param("customer", "night_without_officer", "night_start_hour", 22))
    end = int(rules.param("customer", "night_without_officer", "night_end_hour", 6))
    offset = float(rules.param("customer", "night_without_officer", "utc_offset_hours", 8))
    verified_orders = {s.order_id for s in subs if s.status == "verified"}
    licence_orders = {s.order_id for s in subs if s.status != "rejected" and "vehicle_licence" in s.doc_types}
    f: dict[str, float] = {
        "documents_overdue": float(any(
            (o.state == "case_opened" or o.documents_overdue) and o.id not in verified_orders
            for o in orders)),
        "documents_mismatch": float(any(
            s.holder_id_number and s.holder_id_number.upper() != id_number.upper() and s.status != "rejected"
            for s in subs)),
        "documents_rejected": float(sum(1 for s in subs if s.status == "rejected")),
        "many_addresses": float(len({o.site_address.strip() for o in orders if now_ms - o.created_ms <= window})),
        "night_without_officer": float(sum(
            1 for o in orders if not o.request.get("officer") and _is_night(o.created_ms, start, end, offset))),
        "car_without_licence": float(sum(1 for o in orders if o.lock_class == "car" and o.state in DONE_STATES
                                         and o.id not in licence_orders)),
    }
    return f, {}


def locksmith_features(conn: Conn, locksmith_id: str, now_ms: int,
                       rules: RiskRules) -> tuple[dict[str, float], dict[str, float]]:
    stars = registry_store.ratings(conn, locksmith_id)
    rating_count = stars.count if stars else 0
    mean = (stars.total / rating_count) if stars and rating_count else 5.0
    limit = float(rules.param("locksmith", "arrival_far", "distance_m", 300))
    record = order_store.locksmith_record(conn, locksmith_id, stalled_before_ms=now_ms - DAY_MS, far_m=limit)
    complaints = followup_store.complaints(conn, locksmith_id)
    withdrew = order_store.orders_with_event(conn, offers.accepted_order_ids(conn, locksmith_id),
                                             "locksmith_withdrew")
    missing = media_index.missing_job_evidence(conn, record.completed_ids)
    f = {"complaints": float(record.disputed + complaints), "low_rating": mean, "abandoned_jobs": float(withdrew),
         "incomplete_jobs": float(record.stalled), "missing_evidence": float(missing),
         "arrival_far": float(record.far_arrivals)}
    return f, {"low_rating": float(rating_count)}
