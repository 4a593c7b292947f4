"""The webhook's domain side: a provider's notification is verified, checked against our payment and applied
once. Every notification is kept (body bounded) with its verdict, so a forged or wrong one can be looked at.

Refused, and nothing changes: a bad or missing signature, a stale timestamp, an unknown trade number, another
provider's trade, an amount that is not the payment's. A repeated notification (same nonce, or a trade
already paid) is answered as received, and nothing changes either. A verified payment for an order that
stopped waiting (timed out) is still money the customer paid: it is credited to the customer's wallet at the
hub, where `ledger.refunds_due` shows it to the operators."""

from __future__ import annotations

import json
from dataclasses import dataclass

from hub.db import Conn, transaction
from hub.ledger.payments import record_payment
from hub.orders import confirm, outbox, store
from hub.payments.provider import PAY_PROVIDERS, NotificationRefused
from protocol.clock import Clock

MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Verdict:
    status: int  # the HTTP status the webhook answers
    verdict: str  # applied | duplicate | refused
    reason: str = ""
    trade_no: str | None = None


def _keep(conn: Conn, clock: Clock, provider: str, headers: dict[str, str], body: bytes, v: Verdict,
          nonce: str = "") -> Verdict:
    conn.execute("INSERT INTO payment_notifications(provider, received_ms, nonce, verdict, reason, trade_no,"
                 " headers_json, body) VALUES (?,?,?,?,?,?,?,?)",
                 (provider[:40], clock.now_ms(), nonce, v.verdict, v.reason, v.trade_no,
                  json.dumps(headers, ensure_ascii=False)[:4096], body[:MAX_BODY]))
    if v.verdict == "refused":
        outbox.event(conn, clock, "payment.notification_refused", provider=provider[:40], reason=v.reason,
                     trade_no=v.trade_no)
    return v


def receive(conn: Conn, clock: Clock, provider_name: str, headers: dict[str, str],
            body: bytes) -> Verdict:
    with transaction(conn):
        adapter = PAY_PROVIDERS.get(provider_name)
        if adapter is None:
            return _keep(conn, clock, provider_name, headers, body, Verdict(404, "refused", "unknown provider"))
        if len(body) > MAX_BODY:
            return _keep(conn, clock, provider_name, headers, body, Verdict(413, "refused", "body too large"))
        try:
            notice = adapter.verify(headers, body, clock.now_ms())
        except NotificationRefused as exc:
            return _keep(conn, clock, provider_name, headers, body, Verdict(401, "refused", exc.reason))
        seen = conn.execute("SELECT 1 FROM payment_notifications WHERE provider = ? AND nonce = ? AND verdict = 'applied'",
                            (provider_name, notice.nonce)).fetchone()
        if seen is not None:
            return _keep(conn, clock, provider_name, headers, body,
                         Verdict(200, "duplicate", "notification already applied", notice.trade_no), notice.nonce)
        intent = conn.execute("SELECT * FROM payment_intents WHERE trade_no = ?", (notice.trade_no,)).fetchone()
        if intent is None or intent["provider"] != provider_name:
            return _keep(conn, clock, provider_name, headers, body,
                         Verdict(400, "refused", "no such payment of this provider", notice.trade_no), notice.nonce)
        if not notice.success:
            return _keep(conn, clock, provider_name, headers, body,
                         Verdict(200, "refused", "not a successful payment", notice.trade_no), notice.nonce)
        if notice.amount_fen != intent["amount_fen"]:
            return _keep(conn, clock, provider_name, headers, body,
                         Verdict(400, "refused", f"amount {notice.amount_fen} is not the payment's {intent['amount_fen']}",
                                 notice.trade_no), notice.nonce)
        if intent["state"] != "created":
            return _keep(conn, clock, provider_name, headers, body,
                         Verdict(200, "duplicate", "payment already recorded", notice.trade_no), notice.nonce)
        actor = f"provider:{provider_name}"
        record_payment(conn, clock, provider=provider_name, external_ref=notice.provider_txn,
                       customer_id=intent["customer_id"], amount_fen=notice.amount_fen, actor=actor,
                       order_id=intent["order_id"], verified=True)
        state = store.state_of(conn, intent["order_id"])
        if state == "awaiting_payment":
            confirm.pay(conn, clock, "hub", intent["order_id"], amount_fen=notice.amount_fen, provider=provider_name,
                        external_ref=notice.provider_txn, event_id=f"pay:{notice.trade_no}")
            new_state = "paid"
        else:
            new_state = "late"
            outbox.event(conn, clock, "payment.late", order_id=intent["order_id"], trade_no=notice.trade_no,
                         amount_fen=notice.amount_fen, customer_id=intent["customer_id"])
        conn.execute("UPDATE payment_intents SET state = ?, provider_txn = ?, paid_ms = ? WHERE trade_no = ?",
                     (new_state, notice.provider_txn, clock.now_ms(), notice.trade_no))
        return _keep(conn, clock, provider_name, headers, body, Verdict(200, "applied", new_state, notice.trade_no),
                     notice.nonce)
