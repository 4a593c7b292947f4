"""A migration script cut into statements, for the kit's and the hub's migration runners alike.

Each statement runs on its own inside the migration's transaction: `executescript` would commit the open
transaction first. SQLite's own `complete_statement` decides where one ends, so a `;` inside a string,
a comment or a trigger body does not cut it; a piece that holds only comments is no statement.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator


def statements(script: str) -> Iterator[str]:
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if _has_code(buf):
                yield buf
            buf = ""
    if _has_code(buf):
        yield buf


def _has_code(piece: str) -> bool:
    return bool(piece.strip().strip(";").strip()) and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in piece.splitlines())
