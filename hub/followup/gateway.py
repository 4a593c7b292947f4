"""How a follow-up reaches the customer (R-13). The hub talks to this interface only.

`NotifyGateway` is the hub's: an SMS goes through the notification outbox (hub/notify: the gateway chosen in
hub.toml, retried, its hand-off and the provider's answer recorded) with the link to rate in the customer web
app; a voice call is the operator's own call, recorded as made by that operator. App push and WeChat have no
gateway yet and are refused rather than pretended."""

from __future__ import annotations

from typing import Literal, Protocol

from hub.db import Conn
from protocol.clock import Clock

Channel = Literal["sms", "app", "wechat", "voice"]
CHANNELS: tuple[Channel, ...] = ("sms", "app", "wechat", "voice")


class MessageGateway(Protocol):
    def send(self, conn: Conn, clock: Clock, channel: Channel, to: str, order_id: str,
             operator: str) -> str:
        """Queue (or record) the follow-up and return its reference; raise DomainError when impossible."""
        ...


class NotifyGateway:
    def send(self, conn: Conn, clock: Clock, channel: Channel, to: str, order_id: str,
             operator: str) -> str:
        from hub.notify.followup import send_followup

        return send_followup(conn, clock, channel, to, order_id, operator)
