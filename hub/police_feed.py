"""The hook through which the business domain hands records to police forwarding.

The domain appends to `police_feed` in the same transaction as the change it describes, so a record
is never lost nor sent for a change that rolled back; the police forwarder reads the table in `seq`
order and owns everything after that.
"""

from __future__ import annotations

import json
from typing import Any

from hub.db import Conn, Row


def emit(conn: Conn, kind: str, record: dict[str, Any], *, now_ms: int | None = None) -> int:
    """Append one record. `record` must carry `id` (the entity) and should carry `at_ms`."""
    entity_id = str(record.get("id") or record.get("order_id") or record.get("entity_id") or "")
    created = now_ms if now_ms is not None else int(record.get("at_ms") or 0)
    cur = conn.execute(
        "INSERT INTO police_feed(kind, entity_id, body_json, created_ms) VALUES (?, ?, ?, ?) RETURNING seq",
        (kind, entity_id, json.dumps(record, ensure_ascii=False, sort_keys=True), created),
    )
    return int(cur.fetchone()[0])


def since(conn: Conn, after_seq: int = 0, limit: int = 500) -> list[Row]:
    return list(
        conn.execute("SELECT * FROM police_feed WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit))
    )


def has_entry(conn: Conn, kind: str, entity_id: str, field: str, value: str) -> bool:
    """An entry of this kind for this entity whose `field` is `value` was appended already."""
    return any(json.loads(r[0]).get(field) == value for r in conn.execute(
        "SELECT body_json FROM police_feed WHERE entity_id = ? AND kind = ?", (entity_id, kind)))
