"""The factory that picks the SMS adapter hub.toml names (sandbox by default, or Aliyun)."""

from __future__ import annotations

from collections.abc import Callable

from hub.notify.gateway import SmsGateway
from hub.notify.settings import NotifySettings
from protocol.clock import Clock


def make_gateway(settings: NotifySettings, sandbox_sink: Callable[[str, str, str, str], None], *,
                 clock: Clock | None = None) -> SmsGateway:
    """The adapter hub.toml names. `sandbox_sink(to, text, template, ref)` stores what the sandbox delivers."""
    if settings.sms == "aliyun":
        from hub.notify.aliyun import AliyunSms

        assert settings.aliyun is not None
        return AliyunSms(settings.aliyun, clock)
    from hub.notify.sandbox import SandboxSms

    return SandboxSms(sandbox_sink)
