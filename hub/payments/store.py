"""Payments' storage: the payments the hub asked providers for (`payment_intents`) and every notification
that reached the webhook (`payment_notifications`, kept bounded for inspection)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.db import Conn, Row


@dataclass(frozen=True)
class Intent:
    trade_no: str
    order_id: str
    customer_id: str
    provider: str
    amount_fen: int
    state: str  # created | paid | late
    pay_url: str


def _intent(r: Row) -> Intent:
    return Intent(r["trade_no"], r["order_id"], r["customer_id"], r["provider"], int(r["amount_fen"]), r["state"],
                  r["pay_url"])


def intent(conn: Conn, trade_no: str) -> Intent | None:
    row = conn.execute("SELECT * FROM payment_intents WHERE trade_no = ?", (trade_no,)).fetchone()
    return None if row is None else _intent(row)


def open_intent(conn: Conn, order_id: str, provider: str, amount_fen: int) -> Intent | None:
    row = conn.execute("SELECT * FROM payment_intents WHERE order_id = ? AND provider = ? AND state = 'created'"
                       " AND amount_fen = ?", (order_id, provider, amount_fen)).fetchone()
    return None if row is None else _intent(row)


def intents_of(conn: Conn, order_id: str) -> int:
    return int(conn.execute("SELECT count(*) FROM payment_intents WHERE order_id = ?", (order_id,)).fetchone()[0])


def add_intent(conn: Conn, i: Intent, now_ms: int) -> None:
    conn.execute("INSERT INTO payment_intents(trade_no, order_id, customer_id, provider, amount_fen, state,"
                 " pay_url, created_ms) VALUES (?,?,?,?,?,?,?,?)",
                 (i.trade_no, i.order_id, i.customer_id, i.provider, i.amount_fen, i.state, i.pay_url, now_ms))


def settle_intent(conn: Conn, trade_no: str, state: str, provider_txn: str, now_ms: int) -> None:
    conn.execute("UPDATE payment_intents SET state = ?, provider_txn = ?, paid_ms = ? WHERE trade_no = ?",
                 (state, provider_txn, now_ms, trade_no))


def keep_notification(conn: Conn, *, provider: str, received_ms: int, nonce: str, verdict: str,
                      reason: str, trade_no: str | None, headers_json: str, body: bytes) -> None:
    conn.execute("INSERT INTO payment_notifications(provider, received_ms, nonce, verdict, reason, trade_no,"
                 " headers_json, body) VALUES (?,?,?,?,?,?,?,?)",
                 (provider, received_ms, nonce, verdict, reason, trade_no, headers_json, body))


def applied(conn: Conn, provider: str, nonce: str) -> bool:
    """A notification with this nonce was applied already."""
    return conn.execute("SELECT 1 FROM payment_notifications WHERE provider = ? AND nonce = ? AND verdict = 'applied'",
                        (provider, nonce)).fetchone() is not None
