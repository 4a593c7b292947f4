"""The SMS gateway interface and the factory that picks the adapter named in hub.toml."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from hub.notify.settings import NotifySettings
from protocol.clock import Clock


@dataclass(frozen=True)
class Sms:
    outbox_id: int
    to: str
    template: str
    params: dict[str, str]  # every variable, secrets opened: only for the provider


@dataclass(frozen=True)
class Answer:
    """The provider's answer: `accepted` it (with its reference), or refused it; `retry` says whether trying
    again could help (throttling, a server error) or not (a bad number, an unapproved template)."""

    accepted: bool
    ref: str
    code: str
    message: str = ""
    retry: bool = False

    def summary(self) -> str:
        return f"{self.code}: {self.message}" if self.message else self.code


class SmsGateway(Protocol):
    name: str

    def send(self, sms: Sms) -> Answer:
        """Hand one message to the provider. Raises OSError (or a subclass) when the provider could not be
        reached: the message is retried."""
        ...


def make_gateway(settings: NotifySettings, sandbox_sink: Callable[[str, str, str, str], None], *,
                 clock: Clock | None = None) -> SmsGateway:
    """The adapter hub.toml names. `sandbox_sink(to, text, template, ref)` stores what the sandbox delivers."""
    if settings.sms == "aliyun":
        from hub.notify.aliyun import AliyunSms

        assert settings.aliyun is not None
        return AliyunSms(settings.aliyun, clock)
    from hub.notify.sandbox import SandboxSms

    return SandboxSms(sandbox_sink)
