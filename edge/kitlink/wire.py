"""The kit link's frames: a tagged union, one JSON object per line (msgspec JSON never contains a newline)."""

from __future__ import annotations

from typing import Any

import msgspec

MAX_LINE = 4 * 1024 * 1024  # a job view with its history is a few KiB; a bigger line is refused


class Call(msgspec.Struct, tag="call", forbid_unknown_fields=True):
    """Ask the service to run `method` (a name of edge.kitlink.methods.METHODS) with `args`."""

    id: int
    method: str
    args: list[Any] = []


class Subscribe(msgspec.Struct, tag="subscribe", forbid_unknown_fields=True):
    """Turn this connection into an event stream."""


class Reply(msgspec.Struct, tag="reply", forbid_unknown_fields=True):
    """The answer to call `id`: `result` when `error_kind` is empty, else `error` (a translated message).
    error_kind: "refused" (a step or answer not allowed now), "failed" (a device or other fault),
    "bad_call" (unknown method, wrong arguments, malformed frame)."""

    id: int
    result: Any = None
    error_kind: str = ""
    error: str = ""


class Event(msgspec.Struct, tag="event", forbid_unknown_fields=True):
    """Something changed on the service: `topic` is "offers" or "job"; the UI reads what it shows anew."""

    topic: str


Request = Call | Subscribe
Frame = Reply | Event

_encoder = msgspec.json.Encoder()
request_decoder = msgspec.json.Decoder(Request)
frame_decoder = msgspec.json.Decoder(Frame)


def encode(frame: msgspec.Struct) -> bytes:
    return _encoder.encode(frame) + b"\n"
