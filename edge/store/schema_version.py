"""Schema versions of the kit's SQLite files (`kit.db`, `job.db`): `PRAGMA user_version` + numbered scripts.

A kit in the field is upgraded by installing a newer release over its data, so every schema change is a new
`migrations/NNN_what.sql` beside the module that owns the file, applied once, in order, each in its own
transaction together with the new `user_version` (SQLite keeps user_version in the database header, which
the transaction covers, so a power cut mid-upgrade leaves the old version and the old schema). Files
written before versioning have user_version 0 and the version 1 tables: they are stamped 1, not rebuilt.
A file from a newer release is refused with a clear message and left untouched: it is not corrupt, and
setting it aside would strand evidence that the newer release can still send.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib.resources import files

from edge.store.errors import StoreError
from protocol.i18n import _
from protocol.sqlscript import statements


class SchemaTooNew(StoreError):
    """The file was written by a newer release than this one."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    script: str


def shipped(package: str) -> list[Migration]:
    """The migrations shipped as package data in `<package>/migrations/NNN_*.sql`, by number."""
    out = []
    for entry in (files(package) / "migrations").iterdir():
        m = re.fullmatch(r"([0-9]{3})_.*\.sql", entry.name)
        if m:
            out.append(Migration(int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    out.sort(key=lambda m: m.version)
    if [m.version for m in out] != list(range(1, len(out) + 1)):
        raise RuntimeError(f"{package}/migrations: versions must run 1..N without gaps: {[m.name for m in out]}")
    return out


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def upgrade(conn: sqlite3.Connection, migrations: list[Migration], *, label: str, v1_table: str) -> list[str]:
    """Bring `conn` (autocommit mode) to the newest version; returns the names of the scripts applied.

    `v1_table`: a table of version 1, whose presence in an unversioned file says it is a version 1 file."""
    current = version(conn)
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise SchemaTooNew(_("{file} was written by a newer Lockwarden (schema {found}, this release knows up to "
                             "{known}): install that release again; the file is left as it is.").format(
            file=label, found=current, known=latest))
    if current == 0 and conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                                     (v1_table,)).fetchone():
        conn.execute("PRAGMA user_version = 1")
        current = 1
    applied = []
    for m in migrations:
        if m.version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in statements(m.script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {m.version:d}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(m.name)
    return applied
