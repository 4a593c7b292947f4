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


# Types this contract no longer accepts, with what replaced them: a receiver refuses them with this text
# (Reason.RETIRED_TYPE), so an old sender learns why instead of seeing "unknown type".
RETIRED: dict[str, str] = {}


def retire(type_name: str, replaced_by: str) -> None:
    if type_name in MESSAGES:
        raise RuntimeError(f"message type {type_name} is registered; it cannot be retired too")
    RETIRED[type_name] = replaced_by


def unknown_type(type_name: str) -> tuple[str, str]:
    """(reason code, detail) for a type that is not registered: retired, or unknown."""
    if type_name in RETIRED:
        return "retired_type", f"message type {type_name!r} is retired: {RETIRED[type_name]}"
    return "unknown_type", f"unknown message type {type_name!r}"


def body_type(type_name: str) -> type[msgspec.Struct] | None:
    spec = MESSAGES.get(type_name)
    return spec.body if spec else None
