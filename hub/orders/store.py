"""The order aggregate's storage: the only module that reads or writes `orders`, `order_transitions`,
`job_evidence` and `job_verifications` (tests/hub/test_sql_homes.py holds every other module to that).
The state column changes only through hub/orders/machine.py, which calls `move` here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hub.db import Conn, Row
from hub.registry.errors import NotFound


@dataclass(frozen=True)
class AppliedEvent:
    """A transition already in the log under an event id (a retry is answered from it)."""

    order_id: str
    event: str
    from_state: str
    to_state: str


@dataclass(frozen=True)
class NewOrder:
    id: str
    customer_id: str
    rule: str
    lock_class: str
    category: str
    site_address: str
    site_lat: float
    site_lon: float
    appointment_ms: int | None
    request_json: str
    prepayment_fen: int
    deposit_fen: int
    created_by: str
    created_ms: int


# -- the order row ---------------------------------------------------------------------------------------------
def order_row(conn: Conn, order_id: str) -> Row:
    row = conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
    if row is None:
        raise NotFound("order", order_id)
    return row


def listing(conn: Conn, state: str | None, limit: int) -> list[dict[str, Any]]:
    """The newest orders (in one state, when given), for operators: with the order's short number (its
    `number`, stable for the life of the hub) and the customer's and locksmith's names, so a console shows
    people by name and never reads the customer's ID number out of the request."""
    sql = ("SELECT o.id, o.number, o.customer_id, json_extract(o.request_json, '$.customer_name')"
           " AS customer_name, o.state, o.rule, o.locksmith_id, l.name AS locksmith_name, o.site_address,"
           " o.updated_ms FROM orders o LEFT JOIN locksmiths l ON l.id = o.locksmith_id")
    args: tuple[Any, ...] = ()
    if state:
        sql, args = sql + " WHERE o.state = ?", (state,)
    return [dict(r) for r in conn.execute(sql + " ORDER BY o.id DESC LIMIT ?", (*args, limit))]


def needing_attention(conn: Conn) -> dict[str, list[dict[str, Any]]]:
    """Orders a person must act on (hub/ops/shift.py): nobody took them, their locksmith missed the arrival
    deadline and is still on them (withdraw or call), or their documents are overdue."""
    def rows(where: str) -> list[dict[str, Any]]:
        return [dict(r) for r in conn.execute(
            "SELECT id, updated_ms, site_address, state_reason, json_extract(request_json, '$.customer_name')"
            f" AS customer_name FROM orders WHERE {where} ORDER BY updated_ms")]

    missed = [dict(r) for r in conn.execute(
        "SELECT o.id, a.missed_ms AS updated_ms, json_extract(o.request_json, '$.customer_name') AS customer_name,"
        " l.name AS locksmith FROM order_arrival a JOIN orders o ON o.id = a.order_id"
        " LEFT JOIN locksmiths l ON l.id = a.locksmith_id"
        " WHERE a.missed_ms IS NOT NULL AND o.state IN ('formed', 'en_route') AND o.locksmith_id = a.locksmith_id"
        " ORDER BY a.missed_ms")]
    return {"unassigned": rows("state = 'unassigned'"), "arrival_missed": missed,
            "documents_overdue": rows("state = 'case_opened' OR (state = 'awaiting_documents'"
                                      " AND documents_overdue = 1)")}


def en_route_of_kit(conn: Conn, kit_id: str) -> Row | None:
    """The order this kit's locksmith is driving to, if any (the customer web app shows them approach)."""
    row: Row | None = conn.execute(
        "SELECT id, customer_id, site_lat, site_lon FROM orders WHERE kit_id = ? AND state = 'en_route'"
        " ORDER BY updated_ms DESC LIMIT 1", (kit_id,)).fetchone()
    return row


def state_of(conn: Conn, order_id: str) -> str:
    row = conn.execute("SELECT state FROM orders WHERE id = ?", (order_id,)).fetchone()
    if row is None:
        raise NotFound("order", order_id)
    return str(row["state"])


def insert(conn: Conn, o: NewOrder) -> None:
    conn.execute(
        "INSERT INTO orders(id, customer_id, state, rule, lock_class, category, site_address, site_lat, site_lon,"
        " appointment_ms, request_json, prepayment_fen, deposit_fen, created_by, created_ms, updated_ms, number)"
        " VALUES (?,?,'new',?,?,?,?,?,?,?,?,?,?,?,?,?, (SELECT coalesce(max(number), 0) + 1 FROM orders))",
        (o.id, o.customer_id, o.rule, o.lock_class, o.category, o.site_address, o.site_lat, o.site_lon,
         o.appointment_ms, o.request_json, o.prepayment_fen, o.deposit_fen, o.created_by, o.created_ms, o.created_ms))


def assign_locksmith(conn: Conn, order_id: str, locksmith_id: str, locksmith_n: int, kit_id: str) -> None:
    conn.execute("UPDATE orders SET locksmith_id = ?, locksmith_n = ?, kit_id = ? WHERE id = ?",
                 (locksmith_id, locksmith_n, kit_id, order_id))


def release_locksmith(conn: Conn, order_id: str) -> None:
    """Forget the order's locksmith (rejection, withdrawal); their accepted offer keeps them excluded."""
    conn.execute("UPDATE orders SET locksmith_id = NULL, locksmith_n = NULL, kit_id = NULL WHERE id = ?", (order_id,))


def set_code(conn: Conn, order_id: str, code_hash: str, proof_key: str, now_ms: int) -> None:
    """A (new) service code: its hash for the kit, its proof key for the hub; the wrong-code count restarts."""
    conn.execute("UPDATE orders SET code_hash = ?, code_proof_key = ?, code_delivered_ms = ?, code_failures = 0,"
                 " formed_ms = coalesce(formed_ms, ?) WHERE id = ?", (code_hash, proof_key, now_ms, now_ms, order_id))


def code_proof_key(conn: Conn, order_id: str) -> str:
    row = conn.execute("SELECT code_proof_key FROM orders WHERE id = ?", (order_id,)).fetchone()
    return str(row[0]) if row is not None and row[0] else ""


def record_fee(conn: Conn, order_id: str, fee_fen: int, now_ms: int) -> None:
    conn.execute("UPDATE orders SET fee_fen = ?, completed_ms = ? WHERE id = ?", (fee_fen, now_ms, order_id))


def flag_documents_overdue(conn: Conn, order_id: str) -> None:
    conn.execute("UPDATE orders SET documents_overdue = 1 WHERE id = ?", (order_id,))


def set_rating(conn: Conn, order_id: str, stars: int) -> None:
    conn.execute("UPDATE orders SET rating = ? WHERE id = ?", (stars, order_id))


# -- the transition log ------------------------------------------------------------------------------------------
def applied_event(conn: Conn, event_id: str) -> AppliedEvent | None:
    row = conn.execute("SELECT order_id, event, from_state, to_state FROM order_transitions WHERE event_id = ?",
                       (event_id,)).fetchone()
    return None if row is None else AppliedEvent(row["order_id"], row["event"], row["from_state"], row["to_state"])


def move(conn: Conn, order_id: str, *, event_id: str, event: str, from_state: str, to_state: str,
         busy: bool, actor: str, reason: str, now_ms: int) -> None:
    """The state change and its log line, together (hub/orders/machine.py decides whether it is allowed)."""
    conn.execute("UPDATE orders SET state = ?, state_reason = ?, locksmith_busy = ?, updated_ms = ? WHERE id = ?",
                 (to_state, reason, 1 if busy else 0, now_ms, order_id))
    conn.execute("INSERT INTO order_transitions(order_id, event_id, event, from_state, to_state, actor, reason,"
                 " at_ms) VALUES (?,?,?,?,?,?,?,?)", (order_id, event_id, event, from_state, to_state, actor, reason,
                                                      now_ms))


def history(conn: Conn, order_id: str) -> list[dict[str, object]]:
    return [dict(r) for r in conn.execute(
        "SELECT event_id, event, from_state, to_state, actor, reason, at_ms FROM order_transitions"
        " WHERE order_id = ? ORDER BY seq", (order_id,))]


def count_events(conn: Conn, order_id: str, event: str, actor: str) -> int:
    return int(conn.execute("SELECT count(*) FROM order_transitions WHERE order_id = ? AND event = ? AND actor = ?",
                            (order_id, event, actor)).fetchone()[0])


# -- the on-site job's verification --------------------------------------------------------------------------
def put_evidence(conn: Conn, order_id: str, kind: str, kit_id: str, data: dict[str, Any],
                 now_ms: int) -> None:
    conn.execute("INSERT INTO job_evidence(order_id, kind, kit_id, data_json, at_ms) VALUES (?,?,?,?,?)"
                 " ON CONFLICT (order_id, kind) DO UPDATE SET kit_id = excluded.kit_id,"
                 " data_json = excluded.data_json, at_ms = excluded.at_ms",
                 (order_id, kind, kit_id, json.dumps(data), now_ms))


def evidence(conn: Conn, order_id: str) -> dict[str, dict[str, Any]]:
    """kind -> the accepted record's data."""
    return {r["kind"]: json.loads(r["data_json"]) for r in conn.execute(
        "SELECT kind, data_json FROM job_evidence WHERE order_id = ?", (order_id,))}


@dataclass(frozen=True)
class Verification:
    order_id: str
    kit_id: str
    locksmith_finger: str
    locksmith_template_sha256: str
    customer_photo_sha256: str
    customer_id_photo_sha256: str
    customer_fp_sha256: str
    verified_ms: int


def put_verification(conn: Conn, v: Verification) -> None:
    conn.execute("INSERT INTO job_verifications(order_id, kit_id, locksmith_finger, locksmith_template_sha256,"
                 " customer_photo_sha256, customer_id_photo_sha256, customer_fp_sha256, verified_ms)"
                 " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (order_id) DO NOTHING", (v.order_id, v.kit_id, v.locksmith_finger, v.locksmith_template_sha256,
                                              v.customer_photo_sha256, v.customer_id_photo_sha256,
                                              v.customer_fp_sha256, v.verified_ms))


def is_verified(conn: Conn, order_id: str) -> bool:
    return conn.execute("SELECT 1 FROM job_verifications WHERE order_id = ?", (order_id,)).fetchone() is not None
