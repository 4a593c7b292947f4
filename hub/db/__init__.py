"""The hub's storage layer: which database, one connection protocol, one unit of work, the migrations.

The hub runs on SQLite (embedded, the default: one file beside the hub) or PostgreSQL (`[database]
backend = "postgresql"` in hub.toml, for a province-sized hub or one that must survive its machine).
Store modules write one SQL dialect, the portable subset both accept (`?` parameters, `INSERT ... ON
CONFLICT`, `RETURNING`), against `Conn`; only this package imports a driver (hub/db/sqlite.py,
hub/db/postgresql.py) and knows which one is underneath.

Tables live in `hub/migrations/NNN_name.sql`, applied in order and recorded in `schema_migrations`, so a
deployed hub upgrades in place; hub/db/migrate.py renders each for the backend (a few PostgreSQL
overrides sit in hub/migrations/postgresql/). Number ranges keep components out of each other's way:
001-009 ingest and keys, 010-039 registry, orders, dispatch, ledger and timers, 040-069 police
forwarding, documents, risk and follow-up, 070-099 notifications, payments and later additions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.db import sqlite as _sqlite
from hub.db.core import (
    Conn,
    Cursor,
    DatabaseError,
    IntegrityError,
    OperationalError,
    Row,
    Tx,
    change_counter,
    dialect,
    read_snapshot,
    rollback_quietly,
    transaction,
)
from hub.db.migrate import MIGRATIONS_DIR, migrate, migrations

__all__ = ["MIGRATIONS_DIR", "Conn", "Cursor", "Database", "DatabaseError", "IntegrityError", "OperationalError",
           "Postgres", "Row", "Tx", "change_counter", "connect", "describe", "dialect", "migrate", "migrations", "open_hub_db",
           "read_snapshot", "rollback_quietly", "transaction"]


@dataclass(frozen=True)
class Postgres:
    """A PostgreSQL database by libpq connection string (`host=/run/postgresql dbname=lockwarden`)."""

    dsn: str


Database = Path | str | Postgres  # a path is an SQLite file


def connect(target: Database, *, check_same_thread: bool = False) -> Any:
    """A connection in autocommit mode (transactions are explicit: `Tx`). SQLite runs in WAL mode with
    full sync: the hub acknowledges only what survives a power cut."""
    if isinstance(target, Postgres):
        from hub.db import postgresql

        return postgresql.connect(target.dsn)
    return _sqlite.connect(target, check_same_thread=check_same_thread)


def describe(target: Database) -> str:
    """For logs: the SQLite file, or the PostgreSQL database without its password."""
    if isinstance(target, Postgres):
        from hub.db import postgresql

        return "postgresql " + postgresql.describe(target.dsn)
    return str(target)


def open_hub_db(target: Database) -> Any:
    """A connection with every migration applied."""
    conn = connect(target)
    migrate(conn)
    return conn
