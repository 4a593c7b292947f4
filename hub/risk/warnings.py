"""Raising risk warnings: score a subject, and when its level or its reasons changed since the last
warning, store the new one and forward it to the police (R-12) in the same transaction."""

from __future__ import annotations

import json

from hub import police_feed
from hub.db import Conn, transaction
from hub.risk.config import RiskRules, Subject, load_rules
from hub.risk.gather import customer_features, locksmith_features
from hub.risk.model import Assessment, score
from protocol.clock import Clock

_rules: RiskRules | None = None


def default_rules() -> RiskRules:
    global _rules
    if _rules is None:
        _rules = load_rules()
    return _rules


def assess(conn: Conn, clock: Clock, subject: Subject, subject_id: str,
           rules: RiskRules | None = None) -> Assessment:
    rules = rules or default_rules()
    gather = customer_features if subject == "customer" else locksmith_features
    features, counts = gather(conn, subject_id, clock.now_ms(), rules)
    return score(subject, subject_id, features, rules, counts)


def evaluate(conn: Conn, clock: Clock, subject: Subject, subject_id: str, *,
             order_id: str | None = None, rules: RiskRules | None = None) -> Assessment | None:
    """Score and, if the warning changed, store and forward it. Returns the new warning or None."""
    with transaction(conn):
        a = assess(conn, clock, subject, subject_id, rules)
        sig = json.dumps(a.signature())
        old = conn.execute("SELECT level, signature FROM risk_warnings WHERE subject=? AND subject_id=?",
                           (subject, subject_id)).fetchone()
        if (old is not None and old["signature"] == sig) or (old is None and a.level == "none"):
            return None
        now = clock.now_ms()
        reasons = [{"code": r.code, "weight": r.weight, "value": r.value, "text": r.text} for r in a.reasons]
        conn.execute(
            "INSERT INTO risk_warnings(subject, subject_id, level, score, reasons_json, signature, updated_ms)"
            " VALUES (?,?,?,?,?,?,?) ON CONFLICT(subject, subject_id) DO UPDATE SET level=excluded.level,"
            " score=excluded.score, reasons_json=excluded.reasons_json, signature=excluded.signature,"
            " updated_ms=excluded.updated_ms",
            (subject, subject_id, a.level, a.score, json.dumps(reasons, ensure_ascii=False), sig, now))
        key = "customer_id_number" if subject == "customer" else "locksmith_id"
        record = {"id": f"{subject}:{subject_id}", "subject": subject, key: subject_id, "level": a.level,
                  "previous_level": old["level"] if old is not None else "none", "score": a.score,
                  "reasons": reasons, "at_ms": now}
        if order_id:
            record["order_id"] = order_id
        police_feed.emit(conn, "risk.warning", record, now_ms=now)
        return a


def evaluate_order(conn: Conn, clock: Clock, order_id: str,
                   rules: RiskRules | None = None) -> list[Assessment]:
    """Re-score the customer and the locksmith of an order (call after any change to the order)."""
    row = conn.execute("SELECT locksmith_id, json_extract(request_json, '$.customer_id_number') AS idn FROM orders"
                       " WHERE id=?", (order_id,)).fetchone()
    if row is None:
        return []
    out = []
    for subject, sid in (("customer", row["idn"]), ("locksmith", row["locksmith_id"])):
        if sid:
            a = evaluate(conn, clock, subject, str(sid), order_id=order_id, rules=rules)  # type: ignore[arg-type]
            if a is not None:
                out.append(a)
    return out


def current(conn: Conn, level: str | None = None) -> list[dict[str, object]]:
    sql = "SELECT * FROM risk_warnings" + (" WHERE level=?" if level else "") + " ORDER BY score DESC"
    return [{**dict(r), "reasons": json.loads(r["reasons_json"])} for r in conn.execute(sql, (level,) if level else ())]


def shown_id(subject: str, subject_id: str) -> str:
    """A customer's warning is keyed by resident ID number: people see its last 4 characters unless an operator
    opens it (`id.open`, logged at the hub); a locksmith's id is no personal number."""
    if subject != "customer":
        return subject_id
    return "*" * max(len(subject_id) - 4, 0) + subject_id[-4:]


def subject_name(conn: Conn, subject: str, subject_id: str) -> str:
    """A locksmith's filed name, for people reading a warning about him; a customer's warning names no one
    (keyed by ID number, shown masked)."""
    if subject != "locksmith":
        return ""
    row = conn.execute("SELECT name FROM locksmiths WHERE id=?", (subject_id,)).fetchone()
    return str(row["name"]) if row is not None else ""


def listed(conn: Conn, level: str | None = None) -> list[dict[str, object]]:
    """`current` as consoles receive it (`risk.list`): customer ID numbers masked, locksmiths named; `ref`
    names the warning for `id.open` without the number."""
    sql = "SELECT rowid AS ref, * FROM risk_warnings" + (" WHERE level=?" if level else "") + " ORDER BY score DESC"
    return [{**dict(r), "ref": str(r["ref"]), "subject_id": shown_id(r["subject"], r["subject_id"]),
             "subject_name": subject_name(conn, r["subject"], r["subject_id"]),
             "reasons": json.loads(r["reasons_json"])} for r in conn.execute(sql, (level,) if level else ())]
