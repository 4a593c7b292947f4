"""The one table of message types. Every body is a msgspec Struct registered here with its direction,
a one-line purpose and an example, which `lockwarden docs` renders into docs/mqtt.md."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

T = TypeVar("T", bound=type[msgspec.Struct])


@dataclass(frozen=True)
class MessageSpec:
    name: str
    body: type[msgspec.Struct]
    sender: str  # who may send it: "kit", "hub", "operator", "customer", "police", or several: "kit, customer"
    summary: str
    example: Callable[[], msgspec.Struct]

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(r.strip() for r in self.sender.split(","))


MESSAGES: dict[str, MessageSpec] = {}


def message(type_name: str, *, sender: str, summary: str, example: Callable[[], Any]) -> Callable[[T], T]:
    def register(cls: T) -> T:
        if type_name in MESSAGES:
            raise RuntimeError(f"message type {type_name} registered twice")
        MESSAGES[type_name] = MessageSpec(type_name, cls, sender, summary, example)
        return cls

    return register


def body_type(type_name: str) -> type[msgspec.Struct] | None:
    spec = MESSAGES.get(type_name)
    return spec.body if spec else None
