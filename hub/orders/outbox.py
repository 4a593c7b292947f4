"""Messages the domain wants delivered, stored in the same transaction as the change that caused them.

The hub service's transport reads `pending()`, publishes each (kit: `kit/{id}/down/job`, customer:
`customer/{id}/down`, operator: `ops/events`), then calls `mark_sent()`. Secret bodies (the one-time
service code) are scrubbed once sent, so the code is delivered once and only its hash remains.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from hub.db import Conn, transaction
from hub.registry import store as registry_store
from protocol.clock import Clock
from protocol.registry import MESSAGES

Audience = Literal["kit", "customer", "operator"]
OPS_BROADCAST = "*"
_TYPE_OF: dict[type, str] = {}


@dataclass(frozen=True)
class OutMessage:
    seq: int
    audience: str
    recipient: str
    type: str
    body: dict[str, Any]


def type_name(body: msgspec.Struct) -> str:
    if not _TYPE_OF:
        _TYPE_OF.update({spec.body: name for name, spec in MESSAGES.items()})
    return _TYPE_OF[type(body)]


def put(conn: Conn, clock: Clock, audience: Audience, recipient: str, body: msgspec.Struct, *,
        secret: bool = False) -> int:
    cur = conn.execute(
        "INSERT INTO domain_outbox(audience, recipient, type, body_json, secret, created_ms) VALUES (?,?,?,?,?,?)"
        " RETURNING seq",
        (audience, recipient, type_name(body), msgspec.json.encode(body).decode(), 1 if secret else 0,
         clock.now_ms()))
    return int(cur.fetchone()[0])


def event(conn: Conn, clock: Clock, event_kind: str, /, **fields: Any) -> int:
    """A live event for operator consoles (`ops/events`). A field named `kind` is kept as `record_kind`.

    People are named as they were when it happened: an operator actor gets `actor_name`, a `locksmith_id`
    gets `locksmith` (the console shows names, the ids only where names collide). Added here, once, so the
    live event and the history (`events.history`, the same stored body) are alike."""
    extra = {("record_kind" if k == "kind" else k): v for k, v in fields.items()}
    actor = str(extra.get("actor") or "")
    if actor.startswith("operator:") and "actor_name" not in extra:
        name = registry_store.operator_shown(conn, actor.split(":", 1)[1])
        if name:
            extra["actor_name"] = name
    if extra.get("locksmith_id") and not extra.get("locksmith"):
        name = registry_store.locksmith_shown(conn, str(extra["locksmith_id"]))
        if name:
            extra["locksmith"] = name
    body = json.dumps({**extra, "kind": event_kind, "at_ms": clock.now_ms()}, ensure_ascii=False)
    cur = conn.execute("INSERT INTO domain_outbox(audience, recipient, type, body_json, created_ms)"
                       " VALUES ('operator', ?, 'ops.event', ?, ?) RETURNING seq", (OPS_BROADCAST, body, clock.now_ms()))
    return int(cur.fetchone()[0])


def pending(conn: Conn, limit: int = 500, after_seq: int = 0) -> list[OutMessage]:
    return [OutMessage(r["seq"], r["audience"], r["recipient"], r["type"], json.loads(r["body_json"]))
            for r in conn.execute("SELECT * FROM domain_outbox WHERE sent_ms IS NULL AND seq > ? ORDER BY seq LIMIT ?",
                                  (after_seq, limit))]


def mark_sent(conn: Conn, clock: Clock, seqs: list[int]) -> None:
    with transaction(conn):
        for seq in seqs:
            conn.execute("UPDATE domain_outbox SET sent_ms = ?, body_json = CASE WHEN secret = 1"
                         " THEN json_set(body_json, '$.service_code', '(sent)') ELSE body_json END"
                         " WHERE seq = ? AND sent_ms IS NULL", (clock.now_ms(), seq))


def for_recipient(conn: Conn, audience: str, recipient: str) -> list[OutMessage]:
    """Every message ever queued for one recipient (tests and consoles)."""
    return [OutMessage(r["seq"], r["audience"], r["recipient"], r["type"], json.loads(r["body_json"]))
            for r in conn.execute("SELECT * FROM domain_outbox WHERE audience = ? AND recipient = ? ORDER BY seq",
                                  (audience, recipient))]


def events(conn: Conn, order_id: str | None, limit: int) -> list[dict[str, Any]]:
    """The latest `limit` operator events (of one order, when given), oldest first, each with its seq."""
    sql = "SELECT seq, body_json FROM domain_outbox WHERE type = 'ops.event'"
    args: list[Any] = []
    if order_id:
        sql += " AND json_extract(body_json, '$.order_id') = ?"
        args.append(order_id)
    rows = conn.execute(sql + " ORDER BY seq DESC LIMIT ?", (*args, limit)).fetchall()
    return [{**json.loads(r["body_json"]), "seq": r["seq"]} for r in reversed(rows)]
