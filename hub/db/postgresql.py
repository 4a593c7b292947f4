"""The PostgreSQL backend (psycopg 3): the store modules' portable SQL, run on a PostgreSQL server.

`PgConnection` gives psycopg the shape store code already uses of sqlite3: `execute` with `?` (and
`:name`) parameters, rows readable by position and by name, `in_transaction`, explicit BEGIN/COMMIT
(autocommit otherwise). Writers are serialised by one transaction-scoped advisory lock, as SQLite's
`BEGIN IMMEDIATE` serialises them: the store code reads, decides and writes inside a transaction and was
written for that guarantee (a balance checked before a transfer, the next order number).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import pq
from psycopg.adapt import Dumper, Loader

from hub.db.errors import PgDatabaseError, PgIntegrityError, PgOperationalError

log = logging.getLogger(__name__)

# One lock number for the whole hub database ("LOCKWARD" in ASCII, truncated to a bigint).
WRITE_LOCK = 0x4C4F434B57415244 & 0x7FFFFFFFFFFFFFFF


class PgRow(tuple):  # type: ignore[type-arg]
    """A row like sqlite3.Row: by index, by (case-insensitive) column name, `keys()`, `dict(row)`."""

    __slots__ = ()
    _names: tuple[str, ...] = ()
    _index: dict[str, int] = {}

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._index[key])
            except KeyError:
                return tuple.__getitem__(self, self._index[key.lower()])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


@lru_cache(maxsize=1024)
def _row_class(names: tuple[str, ...]) -> type[PgRow]:
    return type("PgRow", (PgRow,), {"__slots__": (), "_names": names,
                                    "_index": {n: i for i, n in enumerate(names)}})


def _row_factory(cursor: Any) -> Any:
    desc = cursor.description
    if desc is None:
        return tuple
    return _row_class(tuple(d.name for d in desc))


class _BoolAsInt(Dumper):
    """SQLite has no booleans and the schema keeps flags as integers: Python's True is bound as 1."""

    oid = psycopg.postgres.types["int8"].oid

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


class _NumericAsNumber(Loader):
    """sum() over integers is `numeric` in PostgreSQL; store code expects Python ints (money is integer
    fen), as SQLite gives them."""

    def load(self, data: Any) -> Any:
        d = Decimal(bytes(data).decode())
        return int(d) if d == d.to_integral_value() else float(d)


@lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """`?` -> `%s`, `:name` -> `%(name)s`, `%` -> `%%`, outside string literals, identifiers and comments."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in ("'", '"'):
            j = sql.find(c, i + 1)
            while j != -1 and j + 1 < n and sql[j + 1] == c:
                j = sql.find(c, j + 2)
            j = n if j == -1 else j + 1
            out.append(sql[i:j].replace("%", "%%"))
            i = j
        elif c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j == -1 else j
            out.append(sql[i:j].replace("%", "%%"))
            i = j
        elif c == "?":
            if i + 1 < n and sql[i + 1].isdigit():
                raise ValueError(f"numbered parameter {sql[i:i + 3]!r}: write plain ? in order (portable SQL)")
            out.append("%s")
            i += 1
        elif c == "%":
            out.append("%%")
            i += 1
        elif c == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_") and (i == 0 or sql[i - 1] != ":"):
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            out.append(f"%({sql[i + 1:j]})s")
            i = j
        elif c == ":" and sql.startswith("::", i):
            out.append("::")
            i += 2
        else:
            out.append(c)
            i += 1
    text = "".join(out)
    if text.lstrip().upper().startswith("BEGIN IMMEDIATE"):
        return "BEGIN"
    return text


_OPEN = (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)


def _hub_error(exc: psycopg.Error) -> Exception:
    """The storage layer's error for a driver's (hub.db.DatabaseError and friends)."""
    if isinstance(exc, psycopg.IntegrityError):
        return PgIntegrityError(str(exc))
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return PgOperationalError(str(exc))
    return PgDatabaseError(str(exc))


class PgConnection:
    """psycopg's connection in the shape of the hub's `Conn` (hub/db/__init__.py).

    A connection the server dropped (restart, failover, `pg_terminate_backend`) is opened again for the next
    unit of work, never in the middle of one: the statement that meets the dead connection fails, and if a
    transaction was open it stays "open" (every statement but ROLLBACK refuses) until its owner rolls it
    back, so no later statement of that transaction runs, silently autocommitted, on a fresh connection."""

    dialect = "postgresql"

    def __init__(self, raw: psycopg.Connection[Any], dsn: str | None = None) -> None:
        self.raw = raw
        self.dsn = dsn  # None: not reopened (a connection handed in from outside)
        self._lock = threading.RLock()
        self._lost_in_transaction = False
        self._closed = False
        self.reconnects = 0

    @property
    def in_transaction(self) -> bool:
        # ACTIVE means another thread's statement is running (autocommit), not that a transaction is open.
        return self._lost_in_transaction or self.raw.info.transaction_status in _OPEN

    def _reopen_if_lost(self) -> None:
        """Between units of work (the lock held): replace a connection the server has dropped."""
        if not self.raw.closed or self._closed or self.dsn is None:
            return
        log.warning("the connection to PostgreSQL was lost; opening a new one (%s)", describe(self.dsn))
        try:
            self.raw = _open(self.dsn)
        except psycopg.Error as exc:
            raise _hub_error(exc) from exc
        self.reconnects += 1

    def _failed(self, exc: psycopg.Error, was_open: bool) -> Exception:
        if was_open and self.raw.closed:
            self._lost_in_transaction = True
        return _hub_error(exc)

    def _lost(self, sql: str) -> None:
        """A statement for a transaction whose connection is gone: only its ROLLBACK is accepted."""
        if sql.strip().upper() == "ROLLBACK":
            self._lost_in_transaction = False  # the server ended it when the connection went
            return
        raise PgOperationalError("the connection to PostgreSQL was lost during this transaction; "
                                 "it was rolled back")

    def begin(self) -> None:
        with self._lock:
            if self._lost_in_transaction:
                self._lost("BEGIN")
            self._reopen_if_lost()
            try:
                self.raw.execute("BEGIN")
                self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            except psycopg.Error as exc:
                # Nothing was handed out yet: end what was begun, if the connection still can.
                if not self.raw.closed and self.raw.info.transaction_status in _OPEN:
                    self.raw.execute("ROLLBACK")
                raise _hub_error(exc) from exc

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        if sql == "BEGIN IMMEDIATE":  # shared code outside hub/db (protocol/seqblock.py) writes it raw
            self.begin()
            return None
        with self._lock:
            if self._lost_in_transaction:
                self._lost(sql)
                return None
            self._reopen_if_lost()
            was_open = self.raw.info.transaction_status in _OPEN
            try:
                return self.raw.execute(translate(sql), parameters if parameters is not None else ())
            except psycopg.Error as exc:
                raise self._failed(exc, was_open) from exc

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any:
        with self._lock:
            if self._lost_in_transaction:
                self._lost(sql)
            self._reopen_if_lost()
            was_open = self.raw.info.transaction_status in _OPEN
            cur = self.raw.cursor()
            try:
                cur.executemany(translate(sql), list(parameters))
            except psycopg.Error as exc:
                raise self._failed(exc, was_open) from exc
            return cur

    def executescript(self, script: str) -> None:
        """Several statements, no parameters (migrations)."""
        with self._lock:
            if self._lost_in_transaction:
                self._lost(script)
            self._reopen_if_lost()
            was_open = self.raw.info.transaction_status in _OPEN
            try:
                self.raw.execute(script.encode(), prepare=False)
            except psycopg.Error as exc:
                raise self._failed(exc, was_open) from exc

    def close(self) -> None:
        self._closed = True
        self.raw.close()


def describe(dsn: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    return " ".join(f"{k}={v}" for k, v in info.items() if k != "password")


def _open(dsn: str) -> psycopg.Connection[Any]:
    raw = psycopg.connect(dsn, autocommit=True, row_factory=_row_factory)
    raw.adapters.register_dumper(bool, _BoolAsInt)
    raw.adapters.register_loader("numeric", _NumericAsNumber)
    return raw


def connect(dsn: str) -> PgConnection:
    return PgConnection(_open(dsn), dsn)


def change_counter(conn: PgConnection) -> int:
    """Changes whenever anyone changed the principals (PostgreSQL has no `data_version`): a counter row
    that a statement trigger bumps in the same transaction (hub/migrations/postgresql/082_*.sql)."""
    return int(conn.execute("SELECT n FROM principals_version").fetchone()[0])
