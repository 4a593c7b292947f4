"""Reading the chain files back (verify, index catch-up, views)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from hub.police import layout


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


def decode_raw(line: bytes) -> RawEntry:
    return _decoder.decode(line)


def iter_entries(root: Path, *, from_seq: int = 1) -> Iterator[Item]:
    """Every well-formed entry with seq >= from_seq, in file order (no integrity checks: see verify)."""
    for path in layout.record_files(root):
        name = f"{layout.RECORDS}/{path.name}"
        with path.open("rb") as fh:
            for number, line in enumerate(fh, start=1):
                try:
                    raw = _decoder.decode(line)
                except (msgspec.DecodeError, msgspec.ValidationError):
                    continue
                if raw.seq < from_seq:
                    continue
                yield Item(raw.seq, raw.prev, raw.hash, msgspec.json.decode(raw.env), name, number)
