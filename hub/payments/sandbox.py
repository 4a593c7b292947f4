"""The sandbox payment provider: the same flow as a real one, with its own Ed25519 signing key.

The customer opens the pay page (`pay_url`) and pays; the provider side (`notification`) then signs a
notification the way WeChat Pay v3 does - over "timestamp\\nnonce\\nbody\\n" - and posts it to the hub's
webhook, where `verify` checks it with the provider's public key only. The demo and the tests run this real
path: nothing marks a payment paid that the provider did not sign."""

from __future__ import annotations

import base64
import json
import secrets
import threading

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.payments.provider import NotificationRefused, PaidNotice

MAX_SKEW_MS = 5 * 60_000


def signed_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    return timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"


class SandboxPayProvider:
    name = "sandbox"

    def __init__(self, verify_key: Ed25519PublicKey, pay_base_url: str = "",
                 signing_key: Ed25519PrivateKey | None = None) -> None:
        self.verify_key = verify_key
        self.pay_base_url = pay_base_url
        self._signing_key = signing_key  # the provider's side; the hub's checks use verify_key only
        self.refunds: list[tuple[str, int, str]] = []
        self._lock = threading.Lock()

    # -- the hub's side ----------------------------------------------------------------------------------
    def pay_url(self, trade_no: str, amount_fen: int, description: str) -> str:
        return f"{self.pay_base_url.rstrip('/')}/sandbox/pay/{trade_no}"

    def verify(self, headers: dict[str, str], body: bytes, now_ms: int) -> PaidNotice:
        h = {k.lower(): v for k, v in headers.items()}
        ts, nonce, sig = h.get("x-sandbox-timestamp", ""), h.get("x-sandbox-nonce", ""), h.get("x-sandbox-signature", "")
        if not (ts.isdigit() and nonce and sig):
            raise NotificationRefused("missing signature headers")
        try:
            self.verify_key.verify(base64.b64decode(sig, validate=True), signed_message(ts, nonce, body))
        except (InvalidSignature, ValueError):
            raise NotificationRefused("bad signature") from None
        if abs(int(ts) * 1000 - now_ms) > MAX_SKEW_MS:
            raise NotificationRefused("stale timestamp")
        try:
            doc = json.loads(body)
            return PaidNotice(str(doc["out_trade_no"]), str(doc["transaction_id"]), int(doc["amount_fen"]),
                              doc.get("trade_state") == "SUCCESS", nonce)
        except (ValueError, KeyError, TypeError):
            raise NotificationRefused("malformed notification body") from None

    def refund(self, provider_txn: str, amount_fen: int) -> str:
        with self._lock:
            ref = f"sbx-refund-{provider_txn}-{len(self.refunds) + 1}"
            self.refunds.append((provider_txn, amount_fen, ref))
            return ref

    # -- the provider's side (the pay page's "pay" button) -----------------------------------------------------
    def notification(self, trade_no: str, amount_fen: int, now_ms: int,
                     txn: str | None = None) -> tuple[dict[str, str], bytes]:
        assert self._signing_key is not None, "only the sandbox provider itself signs notifications"
        body = json.dumps({"out_trade_no": trade_no, "transaction_id": txn or f"SBX{secrets.token_hex(8)}",
                           "amount_fen": amount_fen, "trade_state": "SUCCESS"}).encode()
        ts, nonce = str(now_ms // 1000), secrets.token_hex(16)
        sig = base64.b64encode(self._signing_key.sign(signed_message(ts, nonce, body))).decode()
        return {"X-Sandbox-Timestamp": ts, "X-Sandbox-Nonce": nonce, "X-Sandbox-Signature": sig}, body
