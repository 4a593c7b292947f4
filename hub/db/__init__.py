"""The hub's one storage module: opening the database and applying the schema migrations.

Every hub component keeps its tables in `hub/migrations/NNN_name.sql`, applied in order and recorded in
`schema_migrations`, so a deployed hub upgrades in place. Only this module knows it is SQLite; moving to
PostgreSQL (ARCHITECTURE.md, "Scale") swaps this module and the SQL dialect of the migrations.

Number ranges keep components out of each other's way: 001-009 ingest and keys, 010-039 registry,
orders, dispatch, ledger and timers, 040-069 police forwarding, documents, risk and follow-up.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from protocol.storage import rollback_quietly

MIGRATIONS_DIR: Traversable = files("hub") / "migrations"  # package data: the wheel carries it


def connect(path: Path | str, *, check_same_thread: bool = False) -> sqlite3.Connection:
    """A connection in WAL mode with full sync: the hub acknowledges only what survives a power cut."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=check_same_thread, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def migrations() -> list[Traversable]:
    return sorted((p for p in MIGRATIONS_DIR.iterdir() if re.fullmatch(r"[0-9]{3}_.*\.sql", p.name)),
                  key=lambda p: p.name)


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply every migration not yet recorded; each in its own transaction. Returns the names applied."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_ms INTEGER)")
    done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
    applied = []
    for path in migrations():
        if path.name in done:
            continue
        script = path.read_text(encoding="utf-8")
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations(name, applied_ms) VALUES (?, CAST(strftime('%s','now') AS INTEGER)*1000)",
                (path.name,),
            )
            conn.execute("COMMIT")
        except Exception:
            rollback_quietly(conn)
            raise
        applied.append(path.name)
    return applied


def _statements(script: str) -> Iterator[str]:
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                yield buf
            buf = ""
    if buf.strip():
        yield buf


def open_hub_db(path: Path | str) -> sqlite3.Connection:
    conn = connect(path)
    migrate(conn)
    return conn


class Tx:
    """`with Tx(conn):` runs the block in one IMMEDIATE transaction. Inside an open transaction it becomes a
    SAVEPOINT, so a domain step that fails part-way inside the ingest's batch transaction is undone on
    its own, without taking the rest of the batch with it."""

    _counter = 0
    _lock = threading.Lock()

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.savepoint: str | None = None
        self.outer = False

    def __enter__(self) -> sqlite3.Connection:
        if self.conn.in_transaction:
            with Tx._lock:
                Tx._counter += 1
                self.savepoint = f"sp{Tx._counter}"
            self.conn.execute(f"SAVEPOINT {self.savepoint}")
            return self.conn
        self.conn.execute("BEGIN IMMEDIATE")
        self.outer = True
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
        if self.savepoint is not None:
            if exc_type is not None:
                self.conn.execute(f"ROLLBACK TO {self.savepoint}")
            self.conn.execute(f"RELEASE {self.savepoint}")
            return
        if not self.outer:
            return
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                # A full disk fails the COMMIT and may leave the transaction open; left open, every later
                # Tx would nest inside it as a savepoint and never commit.
                rollback_quietly(self.conn)
                raise
        else:
            rollback_quietly(self.conn)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    with Tx(conn) as c:
        yield c
