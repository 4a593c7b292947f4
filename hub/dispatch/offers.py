"""The offer aggregate's storage: the only module that reads or writes `offers`
(tests/hub/test_sql_homes.py). Offer logic is hub/dispatch/engine.py; the order's is hub/orders."""

from __future__ import annotations

from dataclasses import dataclass

from hub.db import Conn, Row


@dataclass(frozen=True)
class NewOffer:
    id: str
    order_id: str
    locksmith_n: int
    locksmith_id: str
    kit_id: str
    rank: int
    eta_s: int
    offered_ms: int
    expires_ms: int


def get(conn: Conn, offer_id: str) -> Row | None:
    return conn.execute("SELECT * FROM offers WHERE id = ?", (offer_id,)).fetchone()


def open_for(conn: Conn, order_id: str) -> Row | None:
    return conn.execute("SELECT * FROM offers WHERE order_id = ? AND state = 'open'", (order_id,)).fetchone()


def of_locksmith(conn: Conn, order_id: str, locksmith_id: str) -> Row | None:
    return conn.execute("SELECT * FROM offers WHERE order_id = ? AND locksmith_id = ?",
                        (order_id, locksmith_id)).fetchone()


def of_order(conn: Conn, order_id: str) -> list[dict[str, object]]:
    """Every offer of the order, oldest first, for operators."""
    return [dict(r) for r in conn.execute(
        "SELECT id, locksmith_id, kit_id, rank, eta_s, state, offered_ms, expires_ms, closed_ms FROM offers"
        " WHERE order_id = ? ORDER BY offered_ms", (order_id,))]


def count_for(conn: Conn, order_id: str) -> int:
    return int(conn.execute("SELECT count(*) FROM offers WHERE order_id = ?", (order_id,)).fetchone()[0])


def insert(conn: Conn, o: NewOffer) -> None:
    conn.execute("INSERT INTO offers(id, order_id, locksmith_n, locksmith_id, kit_id, rank, eta_s, state,"
                 " offered_ms, expires_ms) VALUES (?,?,?,?,?,?,?,'open',?,?)",
                 (o.id, o.order_id, o.locksmith_n, o.locksmith_id, o.kit_id, o.rank, o.eta_s, o.offered_ms,
                  o.expires_ms))


def close_if_open(conn: Conn, offer_id: str, state: str, now_ms: int) -> bool:
    return conn.execute("UPDATE offers SET state = ?, closed_ms = ? WHERE id = ? AND state = 'open'",
                        (state, now_ms, offer_id)).rowcount > 0


def set_state(conn: Conn, offer_id: str, state: str, closed_ms: int | None = None) -> None:
    if closed_ms is None:
        conn.execute("UPDATE offers SET state = ? WHERE id = ?", (state, offer_id))
    else:
        conn.execute("UPDATE offers SET state = ?, closed_ms = ? WHERE id = ?", (state, closed_ms, offer_id))


def forget_refusals(conn: Conn, order_id: str) -> None:
    """A fresh round: earlier refusals and expiries may have been momentary."""
    conn.execute("DELETE FROM offers WHERE order_id = ? AND state IN ('refused', 'expired')", (order_id,))


def expiring_with_nobody_left(conn: Conn, until_ms: int) -> list[dict[str, object]]:
    """Open offers expiring by `until_ms` while no other locksmith in the pool is free to be offered next
    (hub/ops/shift.py: the operator should look before the order goes unassigned)."""
    return [dict(r) for r in conn.execute(
        "SELECT f.order_id, f.expires_ms, f.offered_ms, l.name AS locksmith FROM offers f"
        " LEFT JOIN locksmiths l ON l.id = f.locksmith_id"
        " WHERE f.state = 'open' AND f.expires_ms <= ?"
        " AND NOT EXISTS (SELECT 1 FROM dispatch_pool p WHERE p.ready = 1 AND p.busy = 0 AND p.offer_open = 0)"
        " ORDER BY f.expires_ms", (until_ms,))]
