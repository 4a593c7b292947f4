"""Operator requests: `handle(conn, clock, actor, request_type, body, txn=...)` -> response dict.

The transport passes the envelope's signed sender as `actor`; only registered, active operators may act
(the very first `operator.add` on an empty hub is the bootstrap, allowed only for local use). Every
change records the actor. A repeated transaction id returns the first response without acting again.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from hub.db import Conn
from hub.ops.atomic import atomically
from hub.ops.handlers import HANDLERS, READ_ONLY, convert
from hub.registry.errors import DomainError, ValidationFailed
from protocol.clock import Clock
from protocol.i18n import _
from protocol.ids import new_id
from protocol.messages.ops import OPS, FieldError, OpsResponse


def operator_actor(actor: str) -> str:
    return actor if actor.startswith("operator:") else f"operator:{actor}"


def _authenticate(conn: Conn, actor: str, op: str, bootstrap: bool) -> None:
    if bootstrap and op == "operator.add" and conn.execute("SELECT count(*) FROM operators").fetchone()[0] == 0:
        return
    row = conn.execute("SELECT active FROM operators WHERE id = ?", (actor.split(":", 1)[1],)).fetchone()
    if row is None or not row["active"]:
        raise DomainError("unauthenticated", _("unknown or inactive operator: ") + actor)


def handle(conn: Conn, clock: Clock, actor: str, request_type: str, body: dict[str, Any], *,
           txn: str | None = None, bootstrap: bool = False) -> dict[str, Any]:
    """Run one operator op; never raises for a refused request (the response says why). Without a `txn`
    a fresh one is made (no replay protection then)."""
    txn = txn or new_id(clock.now_ms())
    who = operator_actor(actor)
    prior = conn.execute("SELECT response_json FROM ops_requests WHERE txn = ?", (txn,)).fetchone()
    if prior is not None:
        return dict(json.loads(prior["response_json"]))
    def work() -> OpsResponse:
        if request_type not in OPS:
            raise DomainError("unknown_op", _("unknown operator request: ") + request_type)
        _authenticate(conn, who, request_type, bootstrap)
        result = HANDLERS[request_type](conn, clock, who, convert(request_type, body), txn)
        return OpsResponse(txn=txn, ok=True, result=result)

    def refused(exc: Exception) -> OpsResponse:
        if isinstance(exc, ValidationFailed):
            return OpsResponse(txn=txn, ok=False, code=exc.code, error=exc.message,
                               errors=[FieldError(i.field, i.message) for i in exc.issues])
        if isinstance(exc, DomainError):
            return OpsResponse(txn=txn, ok=False, code=exc.code, error=exc.message)
        return OpsResponse(txn=txn, ok=False, code="invalid", error=str(exc))

    def remember(response: OpsResponse) -> None:
        # Successful changes are remembered so a retried transaction id is answered without acting twice.
        if request_type not in READ_ONLY and response.ok:
            conn.execute("INSERT INTO ops_requests(txn, actor, op, response_json, at_ms) VALUES (?,?,?,?,?)"
                         " ON CONFLICT (txn) DO NOTHING",
                         (txn, who, request_type, json.dumps(msgspec.to_builtins(response), ensure_ascii=False),
                          clock.now_ms()))

    out: dict[str, Any] = msgspec.to_builtins(atomically(conn, work, refused, remember))
    return out
