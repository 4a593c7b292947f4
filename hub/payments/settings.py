"""`[payments]` in hub.toml: the webhook providers notify, and which providers take customers' payments."""

from __future__ import annotations

import msgspec


class WeChatPaySettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """mchid: the merchant id. apiv3_key: the 32-character APIv3 key (decrypts notification resources).
    platform_public_key_file: PEM of the WeChat Pay platform public key (or certificate's key) that signs
    notifications; platform_serial: its serial, as sent in `Wechatpay-Serial`."""

    mchid: str
    apiv3_key: str
    platform_public_key_file: str
    platform_serial: str


class PaymentsSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """webhook_host, webhook_port: where the hub listens for providers' notifications (POST
    /pay/notify/<provider>) and serves the sandbox pay page; port 0 picks a free port (the demo).
    public_url: the address providers and customers reach it at ("" = http://host:port).
    sandbox: the sandbox provider takes payments (demo, sandbox city, tests). wechatpay: WeChat Pay v3."""

    webhook_host: str = "127.0.0.1"
    webhook_port: int = 0
    public_url: str = ""
    sandbox: bool = True
    wechatpay: WeChatPaySettings | None = None
