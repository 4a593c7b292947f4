"""The police desk's own storage (`cases.sqlite`, beside the export): cases opened for overdue documents,
risk alerts for the duty officer, and the last export seq the desk has read (`desk_state`). The rules
(what opens a case, what alerts, when to notify) are in hub/police/cases.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    order_id TEXT PRIMARY KEY, case_id TEXT NOT NULL UNIQUE, opened_ms INTEGER NOT NULL,
    trigger_seq INTEGER NOT NULL, reason TEXT NOT NULL, evidence_json TEXT NOT NULL,
    late_json TEXT NOT NULL DEFAULT '[]', notified_ms INTEGER, notify_error TEXT
);
CREATE TABLE IF NOT EXISTS alerts (
    seq INTEGER PRIMARY KEY, opened_ms INTEGER NOT NULL, alert_json TEXT NOT NULL, notified_ms INTEGER,
    notify_error TEXT
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


# -- the desk's place in the export ----------------------------------------------------------------------------
def read_upto(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT v FROM desk_state WHERE k='seq'").fetchone()
    return int(row[0]) if row else 0


def set_read_upto(db: sqlite3.Connection, seq: int) -> None:
    db.execute("INSERT INTO desk_state VALUES ('seq', ?) ON CONFLICT(k) DO UPDATE SET v=excluded.v", (seq,))


# -- cases -----------------------------------------------------------------------------------------------------
def cases(db: sqlite3.Connection) -> list[sqlite3.Row]:
    return list(db.execute("SELECT * FROM cases ORDER BY opened_ms"))


def case(db: sqlite3.Connection, order_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute("SELECT * FROM cases WHERE order_id=?", (order_id,)).fetchone()
    return row


def open_case(db: sqlite3.Connection, *, order_id: str, case_id: str, opened_ms: int, trigger_seq: int,
              reason: str, evidence_json: str) -> bool:
    """Open the order's case; False if it has one already (one case per order)."""
    cur = db.execute(
        "INSERT INTO cases(order_id, case_id, opened_ms, trigger_seq, reason, evidence_json) VALUES (?,?,?,?,?,?)"
        " ON CONFLICT(order_id) DO NOTHING",
        (order_id, case_id, opened_ms, trigger_seq, reason, evidence_json))
    return cur.rowcount != 0


def set_late(db: sqlite3.Connection, order_id: str, late_json: str) -> None:
    db.execute("UPDATE cases SET late_json=? WHERE order_id=?", (late_json, order_id))


def set_decision(db: sqlite3.Connection, order_id: str, decision_json: str) -> None:
    db.execute("UPDATE cases SET decision_json=? WHERE order_id=?", (decision_json, order_id))


def unnotified_cases(db: sqlite3.Connection) -> list[sqlite3.Row]:
    return list(db.execute("SELECT * FROM cases WHERE notified_ms IS NULL"))


def case_notify_failed(db: sqlite3.Connection, order_id: str, error: str) -> None:
    db.execute("UPDATE cases SET notify_error=? WHERE order_id=?", (error, order_id))


def case_notified(db: sqlite3.Connection, order_id: str, now_ms: int) -> None:
    db.execute("UPDATE cases SET notified_ms=?, notify_error=NULL WHERE order_id=?", (now_ms, order_id))


# -- alerts ----------------------------------------------------------------------------------------------------
def alerts(db: sqlite3.Connection) -> list[sqlite3.Row]:
    return list(db.execute("SELECT * FROM alerts ORDER BY seq"))


def add_alert(db: sqlite3.Connection, seq: int, opened_ms: int, alert_json: str) -> None:
    """Once per forwarded warning: a repeated seq changes nothing."""
    db.execute("INSERT INTO alerts(seq, opened_ms, alert_json) VALUES (?,?,?) ON CONFLICT(seq) DO NOTHING",
               (seq, opened_ms, alert_json))


def unnotified_alerts(db: sqlite3.Connection) -> list[sqlite3.Row]:
    return list(db.execute("SELECT * FROM alerts WHERE notified_ms IS NULL ORDER BY seq"))


def alert_notify_failed(db: sqlite3.Connection, seq: int, error: str) -> None:
    db.execute("UPDATE alerts SET notify_error=? WHERE seq=?", (error, seq))


def alert_notified(db: sqlite3.Connection, seq: int, now_ms: int) -> None:
    db.execute("UPDATE alerts SET notified_ms=?, notify_error=NULL WHERE seq=?", (now_ms, seq))
