"""The transport interface the kit's sync engine and the hub's services use. No paho here.

The contract it models is MQTT with QoS 1 and persistent sessions: `publish` hands a message to the
transport (which may buffer it in RAM only: the caller's own store stays the source of truth), inbound
messages arrive with an `ack` callable that the receiver calls only after its durable write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Inbound:
    topic: str
    payload: bytes
    retained: bool = False
    ack: Callable[[], None] = field(default=lambda: None, repr=False)


@dataclass(frozen=True)
class Will:
    topic: str
    payload: bytes
    retain: bool = True


class Delivery(Protocol):
    """What `publish` returns: `is_published()` turns true once the broker acknowledged (PUBACK)."""

    def is_published(self) -> bool: ...


class Transport(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> Delivery:
        """Queue for delivery at QoS 1; raises NotConnected if the link is down right now."""
        ...

    def subscribe(self, pattern: str) -> None: ...

    @property
    def connected(self) -> bool: ...


class NotConnected(Exception):
    pass


OnMessage = Callable[[Inbound], None]
OnConnect = Callable[[bool], None]  # argument: session_present
OnDisconnect = Callable[[], None]
