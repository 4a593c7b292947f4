"""The order aggregate's storage: the only module that reads or writes `orders`, `order_transitions`,
`job_evidence` and `job_verifications` (tests/hub/test_sql_homes.py holds every other module to that).
The state column changes only through hub/orders/machine.py, which calls `move` here."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
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
@dataclass(frozen=True, slots=True)
class Order:
    """One row of `orders`, typed (the columns in their table order)."""

    id: str
    customer_id: str
    state: str
    state_reason: str
    rule: str
    lock_class: str
    category: str
    site_address: str
    site_lat: float
    site_lon: float
    appointment_ms: int | None
    request_json: str
    locksmith_id: str | None
    locksmith_n: int | None
    kit_id: str | None
    locksmith_busy: int
    prepayment_fen: int
    deposit_fen: int
    fee_fen: int | None
    code_hash: str | None
    code_delivered_ms: int | None
    formed_ms: int | None
    completed_ms: int | None
    documents_overdue: int
    code_failures: int
    rating: int | None
    created_by: str
    created_ms: int
    updated_ms: int
    code_proof_key: str | None
    number: int | None

    @property
    def locksmith(self) -> str:
        """The assigned locksmith, where the order's state guarantees one (awaiting the customer and after)."""
        if self.locksmith_id is None:
            raise LookupError(f"order {self.id} has no locksmith assigned")
        return self.locksmith_id

    @property
    def kit(self) -> str:
        """The assigned locksmith's kit, where the order's state guarantees one."""
        if self.kit_id is None:
            raise LookupError(f"order {self.id} has no kit assigned")
        return self.kit_id

    def fen(self, purpose: str) -> int:
        """The amount held for a purpose (`prepayment` or `deposit`)."""
        return {"prepayment": self.prepayment_fen, "deposit": self.deposit_fen}[purpose]

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in ORDER_COLUMNS}


ORDER_COLUMNS = tuple(f.name for f in fields(Order))
_SELECT_ORDER = f"SELECT {', '.join(ORDER_COLUMNS)} FROM orders WHERE id = ?"


def order_row(conn: Conn, order_id: str) -> Order:
    row = conn.execute(_SELECT_ORDER, (order_id,)).fetchone()
    if row is None:
        raise NotFound("order", order_id)
    return Order(*row)


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


# -- what other aggregates ask of orders (documents, uploads, follow-up, risk) --------------------------------
def customer_of(conn: Conn, order_id: str) -> str | None:
    """The order's customer, or None when there is no such order."""
    row = conn.execute("SELECT customer_id FROM orders WHERE id=?", (order_id,)).fetchone()
    return None if row is None else str(row[0])


@dataclass(frozen=True)
class DocumentsState:
    state: str
    documents_overdue: bool


def documents_state(conn: Conn, order_id: str) -> DocumentsState | None:
    row = conn.execute("SELECT state, documents_overdue FROM orders WHERE id=?", (order_id,)).fetchone()
    return None if row is None else DocumentsState(str(row["state"]), bool(row["documents_overdue"]))


def request(conn: Conn, order_id: str) -> dict[str, Any]:
    """The customer's request as stored with the order (personal data: callers take only what they need)."""
    row = conn.execute("SELECT request_json FROM orders WHERE id=?", (order_id,)).fetchone()
    if row is None:
        raise NotFound("order", order_id)
    return dict(json.loads(row[0]))


@dataclass(frozen=True)
class CompletedOrder:
    id: str
    locksmith_id: str
    customer_id: str
    completed_ms: int


def completed_ids(conn: Conn) -> list[str]:
    """Every order a locksmith completed (the follow-up keeps a task for each)."""
    return [str(r[0]) for r in conn.execute(
        "SELECT id FROM orders WHERE completed_ms IS NOT NULL AND locksmith_id IS NOT NULL")]


def completed(conn: Conn, order_ids: list[str]) -> list[CompletedOrder]:
    out: list[CompletedOrder] = []
    for chunk in range(0, len(order_ids), 500):
        ids = order_ids[chunk:chunk + 500]
        out += [CompletedOrder(r["id"], r["locksmith_id"], r["customer_id"], int(r["completed_ms"]))
                for r in conn.execute(
                    "SELECT id, locksmith_id, customer_id, completed_ms FROM orders"
                    f" WHERE completed_ms IS NOT NULL AND locksmith_id IS NOT NULL AND id IN ({','.join('?' * len(ids))})"
                    " ORDER BY completed_ms, id", ids)]
    return out


@dataclass(frozen=True)
class CustomerOrder:
    """An order as the risk model reads a customer's history."""

    id: str
    state: str
    site_address: str
    lock_class: str
    request: dict[str, Any]
    created_ms: int
    documents_overdue: bool


def of_customer_id_number(conn: Conn, id_number: str) -> list[CustomerOrder]:
    return [CustomerOrder(r["id"], r["state"], r["site_address"], r["lock_class"], json.loads(r["request_json"]),
                          int(r["created_ms"]), bool(r["documents_overdue"])) for r in conn.execute(
        "SELECT id, state, site_address, lock_class, request_json, created_ms, documents_overdue FROM orders"
        " WHERE upper(json_extract(request_json, '$.customer_id_number')) = upper(?)", (id_number,))]


@dataclass(frozen=True)
class OrderParties:
    locksmith_id: str | None
    customer_id_number: str | None


def parties(conn: Conn, order_id: str) -> OrderParties | None:
    """Whom the order is about, for the risk model (its customer by ID number, its locksmith)."""
    row = conn.execute("SELECT locksmith_id, json_extract(request_json, '$.customer_id_number') AS idn FROM orders"
                       " WHERE id=?", (order_id,)).fetchone()
    return None if row is None else OrderParties(row["locksmith_id"], row["idn"])


@dataclass(frozen=True)
class LocksmithRecord:
    """Counts over a locksmith's orders, for the risk model."""

    disputed: int
    stalled: int  # on site, verified or working, untouched for a day
    completed_ids: tuple[str, ...]
    far_arrivals: int  # arrivals recorded farther than the limit from the site


def locksmith_record(conn: Conn, locksmith_id: str, *, stalled_before_ms: int,
                     far_m: float) -> LocksmithRecord:
    disputed = conn.execute("SELECT count(*) FROM orders WHERE locksmith_id=? AND state='disputed'",
                            (locksmith_id,)).fetchone()[0]
    stalled = conn.execute(
        "SELECT count(*) FROM orders WHERE locksmith_id=? AND state IN ('on_site','verified','in_progress')"
        " AND updated_ms < ?", (locksmith_id, stalled_before_ms)).fetchone()[0]
    done = tuple(str(r[0]) for r in conn.execute(
        "SELECT id FROM orders o WHERE o.locksmith_id=? AND o.completed_ms IS NOT NULL", (locksmith_id,)))
    far = conn.execute(
        "SELECT count(*) FROM job_evidence e JOIN orders o ON o.id=e.order_id WHERE o.locksmith_id=?"
        " AND e.kind='job.arrived' AND CAST(json_extract(e.data_json, '$.distance_m') AS REAL) > ?",
        (locksmith_id, far_m)).fetchone()[0]
    return LocksmithRecord(int(disputed), int(stalled), done, int(far))


def orders_with_event(conn: Conn, order_ids: list[str], event: str) -> int:
    """How many `event` transitions these orders have in their log."""
    n = 0
    for chunk in range(0, len(order_ids), 500):
        ids = order_ids[chunk:chunk + 500]
        n += conn.execute(
            f"SELECT count(*) FROM order_transitions WHERE event=? AND order_id IN ({','.join('?' * len(ids))})",
            (event, *ids)).fetchone()[0]
    return int(n)


# -- the arrival deadline (order_arrival) and the customer's tracking (order_tracking) ------------------------
def start_arrival(conn: Conn, order_id: str, locksmith_id: str, set_out_ms: int, due_ms: int) -> None:
    conn.execute("INSERT INTO order_arrival(order_id, locksmith_id, set_out_ms, due_ms) VALUES (?,?,?,?)"
                 " ON CONFLICT(order_id, locksmith_id) DO NOTHING", (order_id, locksmith_id, set_out_ms, due_ms))


def arrival_missed(conn: Conn, order_id: str, locksmith_id: str) -> bool:
    row = conn.execute("SELECT missed_ms FROM order_arrival WHERE order_id = ? AND locksmith_id = ?",
                       (order_id, locksmith_id)).fetchone()
    return row is not None and row["missed_ms"] is not None


def mark_arrival_missed(conn: Conn, order_id: str, locksmith_id: str, now_ms: int) -> None:
    conn.execute("UPDATE order_arrival SET missed_ms = ? WHERE order_id = ? AND locksmith_id = ?",
                 (now_ms, order_id, locksmith_id))


def tracked_ms(conn: Conn, order_id: str) -> int | None:
    """When the customer was last sent their locksmith's position."""
    row = conn.execute("SELECT sent_ms FROM order_tracking WHERE order_id = ?", (order_id,)).fetchone()
    return None if row is None else int(row["sent_ms"])


def set_tracked(conn: Conn, order_id: str, now_ms: int) -> None:
    conn.execute("INSERT INTO order_tracking(order_id, sent_ms) VALUES (?, ?) ON CONFLICT(order_id) DO UPDATE SET"
                 " sent_ms = excluded.sent_ms", (order_id, now_ms))


# -- the police's decisions (police_decisions) -----------------------------------------------------------------
@dataclass(frozen=True)
class PoliceDecisionRow:
    id: str
    order_id: str
    case_ref: str
    result_json: str


def police_decision(conn: Conn, decision_id: str) -> PoliceDecisionRow | None:
    row = conn.execute("SELECT id, order_id, case_ref, result_json FROM police_decisions WHERE id = ?",
                       (decision_id,)).fetchone()
    return None if row is None else PoliceDecisionRow(row["id"], row["order_id"], row["case_ref"], row["result_json"])


def police_decision_of_order(conn: Conn, order_id: str) -> PoliceDecisionRow | None:
    row = conn.execute("SELECT id, order_id, case_ref, result_json FROM police_decisions WHERE order_id = ?",
                       (order_id,)).fetchone()
    return None if row is None else PoliceDecisionRow(row["id"], row["order_id"], row["case_ref"], row["result_json"])


def put_police_decision(conn: Conn, *, decision_id: str, order_id: str, msg_id: str, actor: str,
                        case_ref: str, reason: str, from_state: str, outcomes_json: str, result_json: str,
                        at_ms: int) -> None:
    conn.execute("INSERT INTO police_decisions(id, order_id, msg_id, actor, case_ref, reason, from_state,"
                 " outcomes_json, result_json, at_ms) VALUES (?,?,?,?,?,?,?,?,?,?)",
                 (decision_id, order_id, msg_id, actor, case_ref, reason, from_state, outcomes_json, result_json,
                  at_ms))
