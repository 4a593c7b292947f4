"""The SMS gateway interface: what an adapter is given and what it answers (hub/notify/factory.py picks one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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
