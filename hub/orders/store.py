"""The order row: reading one, and forgetting its locksmith. The state itself changes only through
hub/orders/machine.py."""

from __future__ import annotations

import sqlite3

from hub.registry.errors import NotFound


def order_row(conn: sqlite3.Connection, order_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
    if row is None:
        raise NotFound("order", order_id)
    return row


def release_locksmith(conn: sqlite3.Connection, order_id: str) -> None:
    """Forget the order's locksmith (rejection, withdrawal); their accepted offer keeps them excluded."""
    conn.execute("UPDATE orders SET locksmith_id = NULL, locksmith_n = NULL, kit_id = NULL WHERE id = ?", (order_id,))
