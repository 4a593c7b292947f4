"""Media in resumable chunks: a file is announced once, then sent chunk by chunk, each with its hash.

Kits send their evidence this way; customer apps and operators send document photos (R-11) the same way
on their own upload topics, within the hub's upload rules (hub/ingest/uploads.py)."""

from __future__ import annotations

from typing import Any

import msgspec

from protocol.limits import MAX_CHUNK_BYTES
from protocol.registry import message

# The largest chunk a frame carries (protocol/frame.py): a 100 MB file is ~100 messages, each with its own
# signature, rows and ack at the hub; measured (bench/bench_media.py) faster end to end than 256 KiB chunks.
DEFAULT_CHUNK_SIZE = MAX_CHUNK_BYTES


@message(
    "media.begin",
    sender="kit, customer, operator",
    summary="Announces a file: its size, SHA-256, chunking and what it is evidence of.",
    example=lambda: MediaBegin(
        file_id="01JGZ0000000000000000000AB", kind="photo.lock_before", content_type="image/jpeg",
        size=183211, sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        chunk_size=262144, chunks=1, captured_at=1767225600000, order_id="01JGZ0000000000000000000AA",
        sealed=False, meta={"width": 1280, "height": 720},
    ),
)
class MediaBegin(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    file_id: str
    kind: str
    content_type: str
    size: int
    sha256: str  # of the bytes sent (the sealed blob when sealed)
    chunk_size: int
    chunks: int
    captured_at: int
    order_id: str | None = None
    sealed: bool = False  # True: the bytes are sealed to the hub's X25519 key (biometrics, ID images)
    meta: dict[str, Any] = {}


@message(
    "media.chunk",
    sender="kit, customer, operator",
    summary="One chunk of an announced file, `sha256` of its bytes. Sent as a chunk frame (section 7): this "
            "envelope without `data` on the frame's first line, the raw bytes after it. Contract 1 sent `data` as "
            "base64 inside the JSON (still accepted in contract 2).",
    example=lambda: MediaChunk(file_id="01JGZ0000000000000000000AB", index=0, size=5,
                               sha256="2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
                               data="aGVsbG8="),
)
class MediaChunk(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    file_id: str
    index: int
    size: int
    sha256: str
    data: str


@message(
    "media.cancel",
    sender="customer, operator",
    summary="Withdraws an announced upload that is not complete: the hub stops waiting for it, answers "
            "`hub.media_ack` with status `cancelled`, and it no longer counts against the open-upload limit.",
    example=lambda: MediaCancel(file_id="01JGZ0000000000000000000AB", reason="the customer took another photo"),
)
class MediaCancel(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    # Kits never cancel: their files are evidence, resent until stored. A cancelled file stays cancelled
    # (its chunks already stored are kept, not deleted); to try again, announce it under a new file_id.
    file_id: str
    reason: str = ""


def chunk_count(size: int, chunk_size: int) -> int:
    return max(1, -(-size // chunk_size))
