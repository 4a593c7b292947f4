"""Who looked into the export: every `police-query` and every `police-open` appends one line to `access.jsonl`
before it answers (no line, no answer), hash-chained like the records (hub/police/chain.py).

Line `seq` is the canonical JSON (RFC 8785) of `{"entry": E, "hash": H, "prev": P, "seq": N}` where E is
`{"action", "at_ms", "host", "officer", "os_user", "results", "what"}`, P the hash of line N-1 (64 zeros for
line 1) and H = sha256("{N}\\n{P}\\n" + canonical(E)). An edited, removed, inserted or reordered line breaks
the chain and `police-verify` reports it (codes `access_*`). The log is append-only by convention, not by
cryptography: whoever can rewrite the whole file can recompute it, which is why it is also copied off with
the export and its head shown by `police-verify`.
"""

from __future__ import annotations

import fcntl
import getpass
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from hub.police import layout
from hub.police.chain import GENESIS, entry_hash_bytes
from protocol.canonical import canonical
from protocol.durable import append_durably

ACTIONS = ("query", "open")


class AccessLogError(OSError):
    """The access log cannot be written: the query or opening is refused (nothing unlogged is shown)."""


def _hash(seq: int, prev: str, entry: dict[str, Any]) -> str:
    return entry_hash_bytes(seq, prev, canonical(entry))


def encode_line(seq: int, prev: str, entry: dict[str, Any]) -> bytes:
    """The exact bytes of access line `seq` (docs/vectors/police-access.json has worked examples)."""
    return canonical({"entry": entry, "hash": _hash(seq, prev, entry), "prev": prev, "seq": seq}) + b"\n"


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    if not path.exists():
        return
    with path.open("rb") as fh:
        yield from enumerate(fh, start=1)


def _last(path: Path) -> tuple[int, str]:
    seq, head = 0, GENESIS
    for _n, line in _lines(path):
        try:
            doc = msgspec.json.decode(line)
            seq, head = int(doc["seq"]), str(doc["hash"])
        except (msgspec.DecodeError, KeyError, TypeError, ValueError):
            continue  # verify reports it; the next line still chains to the last good one
    return seq, head


def who(officer: str | None) -> tuple[str, str, str]:
    """(officer, OS user, host): the officer as given (or the login name), and where the command ran."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return (officer or user).strip() or user, user, socket.gethostname()


def append(root: Path, *, at_ms: int, officer: str | None, action: str, what: dict[str, Any],
           results: int) -> dict[str, Any]:
    """Append one access line durably; returns it. Raises AccessLogError when the export is not writable."""
    if action not in ACTIONS:
        raise ValueError(f"access action {action!r}")
    path = Path(root) / layout.ACCESS
    name, user, host = who(officer)
    entry = {"action": action, "at_ms": at_ms, "host": host, "officer": name, "os_user": user, "results": results,
             "what": {k: v for k, v in what.items() if v is not None}}
    try:
        fd = os.open(Path(root) / layout.ACCESS_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise AccessLogError(f"cannot write the access log in {root}: {exc}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # two analysts at once must not fork the chain
        seq, prev = _last(path)
        data = encode_line(seq + 1, prev, entry)
        append_durably(path, data)
        return dict(msgspec.json.decode(data))
    except OSError as exc:
        raise AccessLogError(f"cannot write the access log {path}: {exc}") from exc
    finally:
        os.close(fd)


@dataclass
class AccessCheck:
    entries: int = 0
    head: str = GENESIS
    problems: list[tuple[str, int, str]] = field(default_factory=list)  # (code, line, detail)


def check(root: Path) -> AccessCheck:
    """Recompute the access log's chain; every problem names its line."""
    out = AccessCheck()
    prev = GENESIS
    expected = 1
    for n, line in _lines(Path(root) / layout.ACCESS):
        try:
            doc = msgspec.json.decode(line)
            seq, entry, digest, link = doc["seq"], doc["entry"], doc["hash"], doc["prev"]
            if (set(doc) != {"entry", "hash", "prev", "seq"} or not isinstance(entry, dict)
                    or type(seq) is not int or not isinstance(digest, str) or not isinstance(link, str)):
                raise TypeError("shape")
        except (msgspec.DecodeError, KeyError, TypeError, ValueError, AttributeError):
            out.problems.append(("access_unreadable", n, "not a valid access line"))
            continue
        out.entries += 1
        if seq != expected:
            out.problems.append(("access_order", n, f"seq {seq} where {expected} was due (removed or inserted)"))
        if link != prev:
            out.problems.append(("access_chain", n, f"seq {seq}: prev is not the hash of the line before"))
        if _hash(seq, link, entry) != digest:
            out.problems.append(("access_edited", n, f"seq {seq}: its content no longer matches its hash"))
        prev, expected = digest, seq + 1
    out.head = prev
    return out
