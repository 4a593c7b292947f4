"""The kit's job records (`kit.record` with an order id, edge/job/steps.py) mapped onto order events.

The kit checks the service code and the locksmith's fingerprint itself and records each step; the hub
turns the steps that matter to the order into transitions: arrival, the complete R-8 verification,
the start of the job (video), completion with the fee. Unknown kinds are ignored (they are evidence,
stored by ingest). Call `apply_kit_record` after ingest stored the record; it is idempotent by msg_id.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from hub.db import transaction
from hub.orders import job, machine, outbox
from hub.registry.errors import DomainError
from protocol.clock import Clock
from protocol.i18n import _

EVIDENCE_KINDS = ("job.arrived", "job.locksmith_verified", "job.consent", "job.customer_photo", "job.id_photo",
                  "job.customer_fingerprint")
VERIFICATION_NEEDS = ("job.arrived", "job.locksmith_verified", "job.consent", "job.customer_photo", "job.id_photo",
                      "job.customer_fingerprint")
HANDLED = (*EVIDENCE_KINDS, "job.video_started", "job.completed", "job.aborted")


def _sha(data: dict[str, Any]) -> str:
    return str(data.get("plain_sha256") or data.get("sha256") or "")


def apply_kit_record(conn: sqlite3.Connection, clock: Clock, kit_id: str, kind: str, order_id: str | None,
                     data: dict[str, Any], *, msg_id: str) -> str | None:
    """Returns the order's state after the record, or None when the record is not an order event."""
    if kind not in HANDLED or not order_id:
        return None
    with transaction(conn):
        order = job.kit_order(conn, kit_id, order_id)
        if kind in EVIDENCE_KINDS:  # kept even when the step below is refused: it is evidence
            conn.execute("INSERT OR REPLACE INTO job_evidence(order_id, kind, kit_id, data_json, at_ms)"
                         " VALUES (?,?,?,?,?)", (order_id, kind, kit_id, json.dumps(data), clock.now_ms()))
        # The order moves all or nothing, also when the caller (ingest) holds one transaction for a batch.
        conn.execute("SAVEPOINT kit_record")
        try:
            _move(conn, clock, kit_id, kind, order, data, msg_id)
        except BaseException:
            conn.execute("ROLLBACK TO kit_record")
            conn.execute("RELEASE kit_record")
            raise
        conn.execute("RELEASE kit_record")
        return machine.state_of(conn, order_id)


def _move(conn: sqlite3.Connection, clock: Clock, kit_id: str, kind: str, order: sqlite3.Row, data: dict[str, Any],
          msg_id: str) -> None:
    order_id = order["id"]
    if kind == "job.arrived":
        if not data.get("code_checked"):
            raise DomainError("not_verified", _("arrival without a checked service code"))
        if order["state"] == "formed":  # arriving proves setting out, even if the kit never said so
            job.step(conn, clock, kit_id, order_id, "set_out", event_id=f"{msg_id}:set_out")
        job.step(conn, clock, kit_id, order_id, "arrived", event_id=msg_id)
    elif kind == "job.customer_fingerprint":
        _verified(conn, clock, kit_id, order_id, msg_id)
    elif kind == "job.video_started":
        job.step(conn, clock, kit_id, order_id, "started", event_id=msg_id)
    elif kind == "job.completed":
        if machine.state_of(conn, order_id) == "in_progress":
            job.step(conn, clock, kit_id, order_id, "done", event_id=f"{msg_id}:done")
        if data.get("payment_received"):
            job.fee_received(conn, clock, kit_id, order_id, int(data.get("fee_fen", 0)),
                             str(data.get("method", "cash")), event_id=msg_id)
    elif kind == "job.aborted":
        if data.get("by") == "locksmith" and order["state"] in ("formed", "en_route"):
            job.withdraw(conn, clock, kit_id, order_id, str(data.get("reason", "")), event_id=msg_id)
        else:  # the money outcome depends on why: the operator decides (order.cancel / order.dispute)
            outbox.event(conn, clock, "order.kit_aborted", order_id=order_id, reason=data.get("reason", ""),
                         by=data.get("by", ""), at_step=data.get("at_step", ""))


def _verified(conn: sqlite3.Connection, clock: Clock, kit_id: str, order_id: str, msg_id: str) -> None:
    rows = {r["kind"]: json.loads(r["data_json"]) for r in conn.execute(
        "SELECT kind, data_json FROM job_evidence WHERE order_id = ?", (order_id,))}
    missing = [k for k in VERIFICATION_NEEDS if k not in rows]
    if missing or not rows["job.consent"].get("given"):
        raise DomainError("not_verified", _("verification incomplete: ") + ", ".join(missing or ["consent"]))
    if machine.state_of(conn, order_id) != "on_site":
        return
    lv = rows["job.locksmith_verified"]
    conn.execute("INSERT OR IGNORE INTO job_verifications(order_id, kit_id, locksmith_finger, locksmith_template_sha256,"
                 " customer_photo_sha256, customer_id_photo_sha256, customer_fp_sha256, verified_ms)"
                 " VALUES (?,?,?,?,?,?,?,?)",
                 (order_id, kit_id, f"slot:{lv.get('slot', '')}", "", _sha(rows["job.customer_photo"]),
                  _sha(rows["job.id_photo"]), _sha(rows["job.customer_fingerprint"]), clock.now_ms()))
    machine.apply(conn, clock, order_id, "verified", actor=f"kit:{kit_id}",
                  reason=_("code checked on the kit, locksmith fingerprint matched, customer identity recorded"),
                  event_id=msg_id)
