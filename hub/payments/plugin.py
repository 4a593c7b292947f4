"""Plugging payments into the hub service: the configured providers registered, the webhook started."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_public_key,
)

from hub.payments import notifications, provider
from hub.payments import store as payment_store
from hub.payments.sandbox import SandboxPayProvider
from hub.payments.webhook_http import Webhook
from protocol.clock import Clock
from protocol.keys import write_private


def sandbox_key(keys_dir: Path) -> Ed25519PrivateKey:
    """The sandbox provider's own signing key (it is the provider; the hub checks with its public half)."""
    path = keys_dir / "sandbox_pay.key"
    if not path.exists():
        raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        write_private(path, base64.b64encode(raw).decode())
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(path.read_text().strip()))


def install(app: Any, clock: Clock) -> Webhook:
    settings = app.settings.payments
    sandbox: SandboxPayProvider | None = None

    def receive(name: str, headers: dict[str, str], body: bytes) -> notifications.Verdict:
        with app._lock:
            return notifications.receive(app.conn, clock, name, headers, body)

    def sandbox_pay(trade_no: str) -> tuple[int, dict[str, str], bytes] | None:
        with app._lock:
            intent = payment_store.intent(app.conn, trade_no)
        if intent is None or intent.provider != "sandbox" or sandbox is None:
            return None
        headers, body = sandbox.notification(trade_no, intent.amount_fen, clock.now_ms())
        return intent.amount_fen, headers, body

    hook = Webhook(settings.webhook_host, settings.webhook_port, receive, sandbox_pay if settings.sandbox else None)
    base = settings.public_url or hook.url
    if settings.sandbox:
        key = sandbox_key(app.home.keys)
        sandbox = SandboxPayProvider(key.public_key(), base, signing_key=key)
        provider.register(sandbox)
    if settings.wechatpay is not None:
        from hub.payments.wechatpay import WeChatPayProvider

        w = settings.wechatpay
        pem = (app.home.dir / w.platform_public_key_file).read_bytes()
        provider.register(WeChatPayProvider(w.mchid, w.apiv3_key, load_pem_public_key(pem), w.platform_serial))  # type: ignore[arg-type]
    app.on_start.append(hook.start)
    app.on_stop.append(hook.stop)
    app.plugins["payments"] = hook
    return hook
