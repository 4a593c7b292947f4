"""The connection protocol both backends satisfy, the dialect question and the one unit of work (`Tx`)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from hub.db import sqlite as _sqlite


class Row(Protocol):
    """A result row, by position or by column name (sqlite3.Row and hub/db/postgresql.py's PgRow)."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def keys(self) -> list[str]: ...
    def __len__(self) -> int: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchmany(self, size: int = ..., /) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Conn(Protocol):
    """What store code may use of a connection: both sqlite3.Connection and PgConnection have it."""

    @property
    def in_transaction(self) -> bool: ...
    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...
    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any: ...
    def close(self) -> None: ...


def _pg() -> Any:
    from hub.db import postgresql

    return postgresql


def dialect(conn: Conn) -> str:
    """`sqlite` or `postgresql`: only for the rare statement that has no portable spelling."""
    return str(getattr(conn, "dialect", "sqlite"))


def _driver_errors(name: str) -> tuple[type[BaseException], ...]:
    import sqlite3

    found: list[type[BaseException]] = [getattr(sqlite3, name)]
    try:
        import psycopg
    except ImportError:
        return tuple(found)
    found.append(getattr(psycopg, name))
    return tuple(found)


# What `except` clauses outside this package name instead of a driver's exception classes.
OperationalError = _driver_errors("OperationalError")
IntegrityError = _driver_errors("IntegrityError")
DatabaseError = _driver_errors("DatabaseError")


def _begin(conn: Conn) -> None:
    # SQLite's IMMEDIATE takes the write lock up front; PgConnection.begin takes the hub's advisory lock,
    # so writers are serialised on both backends exactly as the store code was written for.
    begin = getattr(conn, "begin", None)
    if begin is not None:
        begin()
    else:
        conn.execute("BEGIN IMMEDIATE")


def rollback_quietly(conn: Conn) -> None:
    """Undo an open transaction after a failure. SQLite may already have rolled it back on its own (a
    full disk during COMMIT), and a second ROLLBACK would raise and hide the real error."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except DatabaseError:
            pass


def change_counter(conn: Conn) -> int:
    """A number that moves whenever another connection committed a change to the principals."""
    if dialect(conn) == "postgresql":
        return int(_pg().change_counter(conn))
    return _sqlite.change_counter(conn)  # type: ignore[arg-type]


class Tx:
    """The hub's one unit of work: `with Tx(conn):` runs the block in one write transaction. Inside an open
    transaction it becomes a SAVEPOINT, so a domain step that fails part-way inside the ingest's batch
    transaction is undone on its own, without taking the rest of the batch with it.

    `keep`: exception types that end the block but keep its writes (a refusal that must be recorded)."""

    _counter = 0
    _lock = threading.Lock()

    def __init__(self, conn: Conn, *, keep: tuple[type[BaseException], ...] = ()) -> None:
        self.conn = conn
        self.keep = keep
        self.savepoint: str | None = None
        self.outer = False

    def __enter__(self) -> Any:
        if self.conn.in_transaction:
            with Tx._lock:
                Tx._counter += 1
                self.savepoint = f"sp{Tx._counter}"
            self.conn.execute(f"SAVEPOINT {self.savepoint}")
            return self.conn
        _begin(self.conn)
        self.outer = True
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
        failed = exc_type is not None and not (self.keep and issubclass(exc_type, self.keep))
        if self.savepoint is not None:
            if failed:
                self.conn.execute(f"ROLLBACK TO {self.savepoint}")
            self.conn.execute(f"RELEASE {self.savepoint}")
            return
        if not self.outer:
            return
        if not failed:
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
def transaction(conn: Conn) -> Iterator[Any]:
    with Tx(conn) as c:
        yield c


@contextmanager
def read_snapshot(conn: Conn) -> Iterator[Any]:
    """Several reads that must agree with each other (figures, reports): one read transaction. SQLite's
    deferred transaction is a snapshot from its first read; PostgreSQL needs REPEATABLE READ for that."""
    if dialect(conn) == "postgresql":
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    else:
        conn.execute("BEGIN")
    try:
        yield conn
    finally:
        rollback_quietly(conn)  # nothing was written; ending it either way releases the snapshot
