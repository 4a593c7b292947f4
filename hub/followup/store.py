"""R-13 follow-ups' storage: the task of each completed order (`followups`) and every contact made
(`followup_contacts`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.db import Conn


@dataclass(frozen=True)
class NewTask:
    order_id: str
    locksmith_id: str
    customer_id: str
    completed_ms: int
    due_ms: int
    overdue_ms: int


def task(conn: Conn, order_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM followups WHERE order_id=?", (order_id,)).fetchone()
    return None if row is None else dict(row)


def order_ids(conn: Conn) -> set[str]:
    """Every order that has a task."""
    return {str(r[0]) for r in conn.execute("SELECT order_id FROM followups")}


def add_tasks(conn: Conn, tasks: list[NewTask]) -> None:
    conn.executemany(
        "INSERT INTO followups(order_id, locksmith_id, customer_id, completed_ms, due_ms, overdue_ms, status)"
        " VALUES (?,?,?,?,?,?,'due')",
        [(t.order_id, t.locksmith_id, t.customer_id, t.completed_ms, t.due_ms, t.overdue_ms) for t in tasks])


def newly_overdue(conn: Conn, now_ms: int) -> list[dict[str, Any]]:
    """Open tasks past their overdue time and not flagged yet."""
    return [dict(r) for r in conn.execute(
        "SELECT order_id, locksmith_id, completed_ms FROM followups WHERE status='due'"
        " AND overdue_ms <= ? AND overdue_flagged_ms IS NULL", (now_ms,))]


def flag_overdue(conn: Conn, order_id: str, now_ms: int) -> None:
    conn.execute("UPDATE followups SET overdue_flagged_ms=? WHERE order_id=?", (now_ms, order_id))


def record(conn: Conn, order_id: str, *, channel: str, outcome: str, rating: int | None, note: str,
           operator: str, now_ms: int) -> None:
    conn.execute("UPDATE followups SET status='done', channel=?, outcome=?, rating=?, note=?, operator=?,"
                 " recorded_ms=? WHERE order_id=?", (channel, outcome, rating, note, operator, now_ms, order_id))


def open_tasks(conn: Conn) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT * FROM followups WHERE status='due' ORDER BY due_ms")]


def add_contact(conn: Conn, order_id: str, channel: str, gateway_ref: str, operator: str,
                now_ms: int) -> None:
    conn.execute("INSERT INTO followup_contacts(order_id, channel, gateway_ref, operator, at_ms) VALUES (?,?,?,?,?)",
                 (order_id, channel, gateway_ref, operator, now_ms))


def contacted(conn: Conn, order_id: str, channel: str) -> bool:
    return conn.execute("SELECT 1 FROM followup_contacts WHERE order_id = ? AND channel = ?",
                        (order_id, channel)).fetchone() is not None


@dataclass(frozen=True)
class Outcomes:
    """A locksmith's recorded follow-ups: stars given, how many rated, how many complaints."""

    stars: int
    rated: int
    complaints: int


def outcomes(conn: Conn, locksmith_id: str) -> Outcomes:
    row = conn.execute(
        "SELECT COALESCE(SUM(rating), 0), COUNT(rating), SUM(CASE WHEN outcome = 'complaint' THEN 1 ELSE 0 END) FROM followups"
        " WHERE locksmith_id=? AND status='done'", (locksmith_id,)).fetchone()
    return Outcomes(int(row[0]), int(row[1]), int(row[2] or 0))


def complaints(conn: Conn, locksmith_id: str) -> int:
    """Complaints about the locksmith in any follow-up, done or not."""
    return int(conn.execute("SELECT count(*) FROM followups WHERE locksmith_id=? AND outcome='complaint'",
                            (locksmith_id,)).fetchone()[0])
