"""Sending a follow-up message to a customer. The hub talks to this interface only; an SMS provider's
HTTP API (or a WeChat/app push, or a voice-call robot) is an adapter implementing `send`. The default
logs the message and sends nothing (demo, and until a provider is configured)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal, Protocol

Channel = Literal["sms", "app", "wechat", "voice"]
CHANNELS: tuple[Channel, ...] = ("sms", "app", "wechat", "voice")
log = logging.getLogger(__name__)


class MessageGateway(Protocol):
    def send(self, channel: Channel, to: str, text: str) -> str:
        """Deliver (or queue with the provider) and return the provider's reference; raise on failure."""
        ...


@dataclass
class LogGateway:
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def send(self, channel: Channel, to: str, text: str) -> str:
        self.sent.append((channel, to, text))
        log.info("follow-up via %s to %s: %s", channel, to[:3] + "****" + to[-4:] if len(to) >= 7 else to, text)
        return f"log-{len(self.sent)}"
