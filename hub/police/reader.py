"""Reading the chain files back (verify, index catch-up, views)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from hub.police import layout
from protocol import strictjson
from protocol.errors import Rejected


class RawEntry(msgspec.Struct):
    seq: int
    prev: str
    hash: str
    env: msgspec.Raw


@dataclass(frozen=True)
class Item:
    seq: int
    prev: str
    hash: str
    env: dict[str, Any]
    file: str
    line: int


_decoder = msgspec.json.Decoder(RawEntry)
MAX_LINE_BYTES = 4 * 1024 * 1024  # an entry holds one envelope (at most 1 MiB) and its chain fields


def decode_raw(line: bytes) -> RawEntry:
    """One export line; any unreadable, duplicate-keyed, too deep or oversized line raises msgspec.DecodeError
    (and nothing else), so a tampered line can neither crash a reader nor hide a second value under a key."""
    try:
        strictjson.check_value(line, strictjson.parse(line, limit=MAX_LINE_BYTES))
        return _decoder.decode(line)
    except Rejected as exc:
        raise msgspec.DecodeError(f"{exc.reason.value}: {exc.detail}") from None


def iter_entries(root: Path, *, from_seq: int = 1) -> Iterator[Item]:
    """Every well-formed entry with seq >= from_seq, in file order (no integrity checks: see verify)."""
    for path in layout.record_files(root):
        name = f"{layout.RECORDS}/{path.name}"
        with path.open("rb") as fh:
            for number, line in enumerate(fh, start=1):
                try:
                    raw = decode_raw(line)
                except msgspec.DecodeError:
                    continue
                if raw.seq < from_seq:
                    continue
                yield Item(raw.seq, raw.prev, raw.hash, msgspec.json.decode(raw.env), name, number)
