"""Storage trouble (a full disk, a read-only or failing file system) as a condition services wait out.

Every long-running loop (hub ingest and timers, the MQTT link, the police writer, the kit's sync) meets
the same errors when its disk fills: SQLite's `database or disk is full` / `attempt to write a readonly
database` / `disk I/O error`, and `OSError` ENOSPC, EDQUOT, EROFS or EIO from plain files. None of them
is a fault of the message being handled; the work is refused (never acknowledged, never half-written) and
retried with backoff until space returns, with one clear log line when the trouble starts and one when it
ends, never a dead thread and never a log line per attempt.
"""

from __future__ import annotations

import errno
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG})
# sqlite3 exposes the extended error code from Python 3.11 on; the messages are the fallback.
_SQLITE_CODES = frozenset({13, 8, 10, 14})  # SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN
_SQLITE_MESSAGES = ("disk is full", "readonly database", "disk i/o error", "unable to open database file")


def storage_problem(exc: BaseException) -> str | None:
    """A short reason when `exc` (or what caused it) is storage trouble, else None."""
    seen = 0
    cur: BaseException | None = exc
    while cur is not None and seen < 5:
        if isinstance(cur, sqlite3.Error) and not isinstance(cur, sqlite3.IntegrityError):
            code = getattr(cur, "sqlite_errorcode", None)
            text = str(cur).lower()
            if (code is not None and code & 0xFF in _SQLITE_CODES) or any(m in text for m in _SQLITE_MESSAGES):
                return f"database: {cur}"
        if isinstance(cur, OSError) and cur.errno in _STORAGE_ERRNOS:
            return f"{errno.errorcode.get(cur.errno or 0, cur.errno)}: {cur.strerror or cur}"
        cur = cur.__cause__ or cur.__context__
        seen += 1
    return None


def is_storage_problem(exc: BaseException) -> bool:
    return storage_problem(exc) is not None


class StorageTrouble:
    """One loop's view of its storage: `failed` at each refused attempt (logs the first, returns how long
    to wait), `ok` after a success (logs the recovery once). `since_ms`/`reason` are for status output."""

    def __init__(self, name: str, logger: logging.Logger, *, backoff_min_s: float = 0.5,
                 backoff_max_s: float = 10.0) -> None:
        self.name = name
        self.log = logger
        self.backoff_min_s = backoff_min_s
        self.backoff_max_s = backoff_max_s
        self.reason: str | None = None
        self.attempts = 0
        self.refused = 0
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return self.reason is not None

    def failed(self, exc: BaseException, *, held: int = 0) -> float:
        """Record a refused attempt; returns the jittered delay before the next one."""
        reason = storage_problem(exc) or f"{type(exc).__name__}: {exc}"
        with self._lock:
            first = self.reason is None
            self.reason = reason
            self.attempts += 1
            self.refused += held
            attempt = self.attempts
        if first:
            self.log.error("%s: storage full or failing (%s); refusing new work and retrying until space "
                           "returns%s", self.name, reason,
                           f" ({held} messages held unacknowledged)" if held else "")
        cap = min(self.backoff_max_s, self.backoff_min_s * (2 ** min(attempt, 16)))
        return random.uniform(self.backoff_min_s, max(self.backoff_min_s, cap))

    def ok(self) -> None:
        if self.reason is None:
            return
        with self._lock:
            reason, attempts = self.reason, self.attempts
            self.reason = None
            self.attempts = 0
        self.log.warning("%s: storage writable again after %d refused attempts (was: %s)", self.name, attempts,
                         reason)


def rollback_quietly(conn: sqlite3.Connection) -> None:
    """Undo an open transaction after a failure. SQLite may already have rolled it back on its own (a
    full disk during COMMIT), and a second ROLLBACK would raise and hide the real error."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def open_when_writable(open_fn: Callable[[], T], name: str, logger: logging.Logger, *,
                       stop: threading.Event | None = None, on_wait: Callable[[str], None] | None = None,
                       backoff_max_s: float = 10.0) -> T:
    """Open a service's stores, waiting (with one clear log line) while the disk refuses: SQLite cannot
    even create its WAL on a full disk, and a service that exited instead would be restarted in a loop
    by systemd with a traceback each time. `on_wait(reason)` runs before each wait (say, to tell systemd
    the start takes longer). Raises whatever is not storage trouble, and the last error if stopped."""
    trouble = StorageTrouble(name, logger, backoff_max_s=backoff_max_s)
    while True:
        try:
            result = open_fn()
        except Exception as exc:
            if not is_storage_problem(exc):
                raise
            delay = trouble.failed(exc)
            if on_wait is not None:
                on_wait(trouble.reason or "")
            if stop is not None and stop.wait(delay):
                raise
            if stop is None:
                time.sleep(delay)
            continue
        trouble.ok()
        return result
