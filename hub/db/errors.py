"""The storage layer's errors, named the same for both backends (PostgreSQL's are raised by
hub/db/postgresql.py from psycopg's, whose error is the __cause__)."""

from __future__ import annotations

import sqlite3


class PgDatabaseError(Exception):
    """A PostgreSQL error, as hub/db/postgresql.py raises it (the driver's own is its __cause__), so that
    catching database errors never imports psycopg (half a second at every command's start)."""


class PgIntegrityError(PgDatabaseError):
    pass


class PgOperationalError(PgDatabaseError):
    pass


# What `except` clauses outside this package name instead of a driver's exception classes.
OperationalError: tuple[type[Exception], ...] = (sqlite3.OperationalError, PgOperationalError)
IntegrityError: tuple[type[Exception], ...] = (sqlite3.IntegrityError, PgIntegrityError)
DatabaseError: tuple[type[Exception], ...] = (sqlite3.DatabaseError, PgDatabaseError)
