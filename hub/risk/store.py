"""R-12 risk's storage: the latest warning per subject (`risk_warnings`) and how far the sweep has read the
police feed (`risk_cursor`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hub.db import Conn


@dataclass(frozen=True)
class StoredWarning:
    level: str
    signature: str


def warning(conn: Conn, subject: str, subject_id: str) -> StoredWarning | None:
    row = conn.execute("SELECT level, signature FROM risk_warnings WHERE subject=? AND subject_id=?",
                       (subject, subject_id)).fetchone()
    return None if row is None else StoredWarning(row["level"], row["signature"])


def put_warning(conn: Conn, *, subject: str, subject_id: str, level: str, score: float,
                reasons: list[dict[str, Any]], signature: str, now_ms: int) -> None:
    conn.execute(
        "INSERT INTO risk_warnings(subject, subject_id, level, score, reasons_json, signature, updated_ms)"
        " VALUES (?,?,?,?,?,?,?) ON CONFLICT(subject, subject_id) DO UPDATE SET level=excluded.level,"
        " score=excluded.score, reasons_json=excluded.reasons_json, signature=excluded.signature,"
        " updated_ms=excluded.updated_ms",
        (subject, subject_id, level, score, json.dumps(reasons, ensure_ascii=False), signature, now_ms))


def warnings(conn: Conn, level: str | None = None) -> list[dict[str, Any]]:
    """Every stored warning (of one level, when given), highest score first, with its reasons decoded."""
    sql = "SELECT rowid AS ref, * FROM risk_warnings" + (" WHERE level=?" if level else "") + " ORDER BY score DESC"
    return [{**dict(r), "reasons": json.loads(r["reasons_json"])} for r in conn.execute(sql, (level,) if level else ())]


def customer_warning_number(conn: Conn, ref: str) -> str | None:
    """The ID number of the customer warning `ref` names (its `ref` from risk.list; a console of an older
    release sends the number itself)."""
    column = "rowid" if ref.isdigit() and len(ref) < 15 else "subject_id"
    row = conn.execute(f"SELECT subject_id FROM risk_warnings WHERE subject = 'customer' AND {column} = ?",
                       (ref,)).fetchone()
    return None if row is None else str(row[0])


def feed_cursor(conn: Conn) -> int:
    row = conn.execute("SELECT feed_seq FROM risk_cursor WHERE name='feed'").fetchone()
    return int(row[0]) if row else 0


def set_feed_cursor(conn: Conn, seq: int) -> None:
    conn.execute("INSERT INTO risk_cursor VALUES ('feed', ?) ON CONFLICT(name) DO UPDATE SET feed_seq=excluded.feed_seq",
                 (seq,))


def red_warnings(conn: Conn) -> list[dict[str, Any]]:
    """Red warnings, oldest change first, with their reasons decoded."""
    return [{**dict(r), "reasons": json.loads(r["reasons_json"] or "[]")} for r in conn.execute(
        "SELECT subject, subject_id, score, reasons_json, updated_ms FROM risk_warnings"
        " WHERE level = 'red' ORDER BY updated_ms")]
