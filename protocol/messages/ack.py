"""The hub's application-level acknowledgements. A kit deletes a capture only after one of these."""

from __future__ import annotations

from typing import Literal

import msgspec

from protocol.registry import message


@message(
    "hub.ack",
    sender="hub",
    summary="These message ids are durably stored at the hub (or were refused and quarantined there).",
    example=lambda: HubAck(stored=["01JGZ0000000000000000000AC"], quarantined=[]),
)
class HubAck(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    stored: list[str]
    quarantined: list[str] = []


@message(
    "hub.media_ack",
    sender="hub",
    summary="Progress of one file at the hub: the chunk ranges it holds, and `complete` once verified.",
    example=lambda: HubMediaAck(file_id="01JGZ0000000000000000000AB", have=[[0, 7]], status="partial"),
)
class HubMediaAck(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    file_id: str
    have: list[list[int]]  # inclusive [first, last] chunk ranges stored durably
    status: Literal["partial", "complete", "rejected", "cancelled"]
    detail: str = ""


@message(
    "hub.state",
    sender="hub",
    summary="Hub presence.",
    example=lambda: HubState(status="online", since=1767225600000),
)
class HubState(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    status: Literal["online", "offline"]
    since: int
