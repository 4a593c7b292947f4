"""The notification outbox: SQL for queuing, claiming, retrying and recording SMS hand-offs.

A message is queued in the transaction of the change that caused it. The sender claims due rows, hands each
to the gateway outside any transaction, then records the answer: `sent` with the provider's reference and
the hand-off time, or back to `pending` with a doubled wait, or `failed` once the provider refused it for
good or the attempts ran out (the operators are told). A row left `sending` by a crash is claimed again
after CLAIM_STALE_MS: a provider that may have taken it gets it twice rather than never.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hub.db import Conn, Row, transaction
from hub.notify.templates import template
from protocol.clock import Clock

CLAIM_STALE_MS = 60_000


@dataclass(frozen=True)
class Queued:
    id: int
    to: str
    template: str
    params: dict[str, str]
    sealed: bytes | None
    purpose: str
    order_id: str | None
    started_ms: int
    attempts: int


def queue(conn: Conn, clock: Clock, *, to: str, template_name: str, params: dict[str, str],
          purpose: str, actor: str, sealed: bytes | None = None, order_id: str | None = None,
          started_ms: int | None = None) -> int:
    t = template(template_name)
    missing = set(t.variables) - set(t.secret) - set(params)
    if missing or set(params) & set(t.secret):
        raise ValueError(f"template {template_name}: plain parameters {sorted(params)} do not fit")
    now = clock.now_ms()
    cur = conn.execute(
        "INSERT INTO notify_outbox(to_mobile, template, params_json, sealed_params, purpose, order_id, actor,"
        " started_ms, created_ms, state, next_ms) VALUES (?,?,?,?,?,?,?,?,?,'pending',?) RETURNING id",
        (to, template_name, json.dumps(params, ensure_ascii=False), sealed, purpose, order_id, actor,
         started_ms if started_ms is not None else now, now, now))
    return int(cur.fetchone()[0])


def claim_due(conn: Conn, clock: Clock, limit: int = 50) -> list[Queued]:
    now = clock.now_ms()
    with transaction(conn):
        rows = list(conn.execute(
            "SELECT * FROM notify_outbox WHERE (state = 'pending' AND next_ms <= ?)"
            " OR (state = 'sending' AND claimed_ms <= ?) ORDER BY next_ms, id LIMIT ?",
            (now, now - CLAIM_STALE_MS, limit)))
        for r in rows:
            conn.execute("UPDATE notify_outbox SET state = 'sending', claimed_ms = ? WHERE id = ?", (now, r["id"]))
    return [Queued(r["id"], r["to_mobile"], r["template"], json.loads(r["params_json"]), r["sealed_params"],
                   r["purpose"], r["order_id"], r["started_ms"], r["attempts"]) for r in rows]


def record(conn: Conn, clock: Clock, outbox_id: int, *, provider: str, ok: bool, answer: str,
           ref: str = "", next_ms: int | None = None) -> None:
    """ok: handed off. Otherwise `next_ms` None means given up (failed), else retried then."""
    now = clock.now_ms()
    with transaction(conn):
        conn.execute("INSERT INTO notify_attempts(outbox_id, provider, at_ms, ok, answer) VALUES (?,?,?,?,?)",
                     (outbox_id, provider, now, 1 if ok else 0, answer[:1000]))
        if ok:
            conn.execute("UPDATE notify_outbox SET state = 'sent', attempts = attempts + 1, provider = ?,"
                         " handed_ms = ?, provider_ref = ?, answer = ? WHERE id = ?",
                         (provider, now, ref, answer[:1000], outbox_id))
        else:
            conn.execute("UPDATE notify_outbox SET state = ?, attempts = attempts + 1, provider = ?, next_ms = ?,"
                         " answer = ? WHERE id = ?",
                         ("failed" if next_ms is None else "pending", provider, next_ms if next_ms is not None else now,
                          answer[:1000], outbox_id))


def get(conn: Conn, outbox_id: int) -> Row | None:
    row: Row | None = conn.execute("SELECT * FROM notify_outbox WHERE id = ?", (outbox_id,)).fetchone()
    return row


def late_unalerted(conn: Conn, clock: Clock, purposes: tuple[str, ...], limit_ms: int) -> list[Row]:
    """Messages of these purposes not with the provider `limit_ms` after their start (handed late, or still
    not handed and already past it), not yet alerted."""
    marks = ",".join("?" * len(purposes))
    return list(conn.execute(
        f"SELECT * FROM notify_outbox WHERE purpose IN ({marks}) AND late_alert_ms IS NULL"
        " AND ((handed_ms IS NULL AND started_ms + ? < ?) OR handed_ms - started_ms > ?)",
        (*purposes, limit_ms, clock.now_ms(), limit_ms)))


def mark_alerted(conn: Conn, clock: Clock, outbox_id: int) -> None:
    conn.execute("UPDATE notify_outbox SET late_alert_ms = ? WHERE id = ?", (clock.now_ms(), outbox_id))


def listing(conn: Conn, *, order_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Rows as an operator may see them: secrets never, the mobile number masked."""
    sql, args = "SELECT * FROM notify_outbox", ()  # type: tuple[str, tuple[Any, ...]]
    if order_id:
        sql, args = sql + " WHERE order_id = ?", (order_id,)
    out = []
    for r in conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, min(limit, 1000))):
        params = json.loads(r["params_json"])
        out.append({"id": r["id"], "to": mask_mobile(r["to_mobile"]), "template": r["template"],
                    "text": template(r["template"]).masked(params), "purpose": r["purpose"], "order_id": r["order_id"],
                    "actor": r["actor"], "state": r["state"], "attempts": r["attempts"], "provider": r["provider"],
                    "created_ms": r["created_ms"], "handed_ms": r["handed_ms"], "provider_ref": r["provider_ref"],
                    "answer": r["answer"],
                    "form_to_handoff_ms": r["handed_ms"] - r["started_ms"] if r["handed_ms"] is not None else None})
    return out


def mask_mobile(mobile: str) -> str:
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) >= 7 else "****"


def sandbox_deliver(conn: Conn, clock: Clock, to: str, text: str, template_name: str, ref: str) -> None:
    with transaction(conn):
        conn.execute("INSERT INTO notify_sandbox_inbox(to_mobile, text, template, ref, at_ms)"
                     " VALUES (?,?,?,?,?) ON CONFLICT (ref) DO NOTHING", (to, text, template_name, ref, clock.now_ms()))


def sandbox_sent_after(conn: Conn, after_n: int) -> list[tuple[int, str, str, int]]:
    """(n, to, text, at_ms) of every sandbox message after `after_n`, oldest first (the sandbox city's SMS log)."""
    return [(int(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in conn.execute(
        "SELECT n, to_mobile, text, at_ms FROM notify_sandbox_inbox WHERE n > ? ORDER BY n", (after_n,))]


def sandbox_last_n(conn: Conn) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(n), 0) FROM notify_sandbox_inbox").fetchone()[0])


def sandbox_inbox(conn: Conn, to: str) -> list[dict[str, Any]]:
    """The sandbox phone's messages, oldest first (the demo and the sandbox city read them as the customer)."""
    return [dict(r) for r in conn.execute(
        "SELECT to_mobile, text, template, ref, at_ms FROM notify_sandbox_inbox WHERE to_mobile = ? ORDER BY n",
        (to,))]


PUBLIC_URL_KEY = "public_url"
DEFAULT_PUBLIC_URL = "https://localhost:8443"


def public_link(conn: Conn, path: str) -> str:
    """A link into the customer web app (`[notify] public_url`, put in the database at start-up)."""
    return (key(conn, PUBLIC_URL_KEY) or DEFAULT_PUBLIC_URL).rstrip("/") + path


def key(conn: Conn, name: str) -> str | None:
    row = conn.execute("SELECT value FROM notify_keys WHERE name = ?", (name,)).fetchone()
    return None if row is None else str(row[0])


def set_key(conn: Conn, name: str, value: str) -> None:
    with transaction(conn):
        conn.execute("INSERT INTO notify_keys(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET"
                     " value = excluded.value", (name, value))


def store_code(conn: Conn, clock: Clock, order_id: str, sealed: bytes) -> None:
    conn.execute("INSERT INTO order_codes(order_id, sealed, created_ms) VALUES (?,?,?) ON CONFLICT(order_id)"
                 " DO UPDATE SET sealed = excluded.sealed, created_ms = excluded.created_ms",
                 (order_id, sealed, clock.now_ms()))


def sealed_code(conn: Conn, order_id: str) -> bytes | None:
    row = conn.execute("SELECT sealed FROM order_codes WHERE order_id = ?", (order_id,)).fetchone()
    return None if row is None else bytes(row[0])
