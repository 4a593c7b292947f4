"""`[notify]` in hub.toml: which SMS gateway the hub uses, and the retry policy."""

from __future__ import annotations

from typing import Literal

import msgspec


class AliyunSmsSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Alibaba Cloud SMS (dysmsapi `SendSms`, RPC signature HMAC-SHA1).

    access_key_id, access_key_secret: a RAM user's AccessKey pair allowed `dysms:SendSms`.
    sign_name: the approved SMS signature (签名), e.g. "安心开锁".
    templates: hub template name -> approved template code, e.g. {service_code = "SMS_1234"}; every
    template the hub sends must be listed (hub/notify/templates.py names them and their variables).
    endpoint: the API endpoint (tests point it at a local stand-in). region_id: as Aliyun documents.
    timeout_s: per request (Aliyun recommends at least 1 s)."""

    access_key_id: str
    access_key_secret: str
    sign_name: str
    templates: dict[str, str] = msgspec.field(default_factory=dict)
    endpoint: str = "https://dysmsapi.aliyuncs.com/"
    region_id: str = "cn-hangzhou"
    timeout_s: float = 5.0


class NotifySettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """sms: `sandbox` (default: messages are kept in the hub database, shown by the demo and the sandbox
    city's phones) or `aliyun` (needs the `[notify.aliyun]` table).
    max_attempts: hand-off attempts before a message is given up and the operators are alerted.
    backoff_s, backoff_max_s: the wait after the first failure, doubling up to the maximum.
    code_alert_s: R-6, the operators are alerted when a service code is not with the provider this many
    seconds after the order formed.
    public_url: where customers open the customer web app (links in messages, e.g. the rating link)."""

    sms: Literal["sandbox", "aliyun"] = "sandbox"
    max_attempts: int = 8
    backoff_s: float = 2.0
    backoff_max_s: float = 300.0
    code_alert_s: float = 30.0
    public_url: str = "https://localhost:8443"
    aliyun: AliyunSmsSettings | None = None

    def __post_init__(self) -> None:
        if self.sms == "aliyun" and self.aliyun is None:
            raise ValueError("notify.sms = 'aliyun' needs a [notify.aliyun] table")
        if self.max_attempts < 1 or self.backoff_s <= 0 or self.backoff_max_s < self.backoff_s:
            raise ValueError("notify: max_attempts >= 1 and 0 < backoff_s <= backoff_max_s")
