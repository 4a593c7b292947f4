"""The police side's cases' storage (`cases.sqlite`, full sync: police-side state, not derived from the
export): one case per order whose documents were overdue, and how far the desk has read the export."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    order_id TEXT PRIMARY KEY, case_id TEXT NOT NULL UNIQUE, opened_ms INTEGER NOT NULL,
    trigger_seq INTEGER NOT NULL, reason TEXT NOT NULL, evidence_json TEXT NOT NULL,
    late_json TEXT NOT NULL DEFAULT '[]', notified_ms INTEGER, notify_error TEXT
);
CREATE TABLE IF NOT EXISTS desk_state (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
"""
# columns added after the first release: (name, declaration), added to an older cases.sqlite on open
_ADDED = (("decision_json", "TEXT"),)


def open_cases_db(root: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(root / "cases.sqlite"), isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.executescript(SCHEMA)
    have = {r[1] for r in conn.execute("PRAGMA table_info(cases)")}
    for name, decl in _ADDED:
        if name not in have:
            conn.execute(f"ALTER TABLE cases ADD COLUMN {name} {decl}")
    return conn


def desk_seq(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT v FROM desk_state WHERE k='seq'").fetchone()
    return int(row[0]) if row else 0


def set_desk_seq(db: sqlite3.Connection, seq: int) -> None:
    db.execute("INSERT INTO desk_state VALUES ('seq', ?) ON CONFLICT(k) DO UPDATE SET v=excluded.v", (seq,))


def all_cases(db: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in db.execute("SELECT * FROM cases ORDER BY opened_ms")]


def case(db: sqlite3.Connection, order_id: str) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM cases WHERE order_id=?", (order_id,)).fetchone()
    return None if row is None else dict(row)


def open_case(db: sqlite3.Connection, order_id: str, case_id: str, now_ms: int, trigger_seq: int, reason: str,
              evidence_json: str) -> bool:
    """Open the order's case; False when it has one already."""
    cur = db.execute(
        "INSERT INTO cases(order_id, case_id, opened_ms, trigger_seq, reason, evidence_json) VALUES (?,?,?,?,?,?)"
        " ON CONFLICT(order_id) DO NOTHING", (order_id, case_id, now_ms, trigger_seq, reason, evidence_json))
    return cur.rowcount > 0


def set_late(db: sqlite3.Connection, order_id: str, late_json: str) -> None:
    db.execute("UPDATE cases SET late_json=? WHERE order_id=?", (late_json, order_id))


def set_decision(db: sqlite3.Connection, order_id: str, decision_json: str) -> None:
    db.execute("UPDATE cases SET decision_json=? WHERE order_id=?", (decision_json, order_id))


def unnotified(db: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in db.execute("SELECT * FROM cases WHERE notified_ms IS NULL")]


def notify_failed(db: sqlite3.Connection, order_id: str, error: str) -> None:
    db.execute("UPDATE cases SET notify_error=? WHERE order_id=?", (error, order_id))


def notified(db: sqlite3.Connection, order_id: str, now_ms: int) -> None:
    db.execute("UPDATE cases SET notified_ms=?, notify_error=NULL WHERE order_id=?", (now_ms, order_id))
