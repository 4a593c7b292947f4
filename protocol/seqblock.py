"""Per-sender envelope sequence numbers (kit and hub alike) that never repeat, even across a power cut.

Numbers are reserved from the database in blocks, so sending a chunk does not cost a commit; after a crash
the kit resumes above the last reserved block (gaps are fine, repeats never: the hub treats a reused
sequence number with a new message id as a replay).
"""

from __future__ import annotations

import sqlite3
import threading

from protocol.storage import rollback_quietly

BLOCK = 4096


class SeqAllocator:
    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock, table: str = "meta", *,
                 start: int = 1) -> None:
        """`start`: the first number of a store that never reserved one. A kit passes the time in ms: a kit
        re-provisioned under its old id (a replacement after `revoke-kit`) starts with an empty store, and
        numbers from 1 would repeat the old kit's, which the hub refuses as replays."""
        self._conn = conn
        self._lock = lock  # the owner's lock: the connection is shared with its other work
        self._table = table
        conn.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = conn.execute(f"SELECT value FROM {table} WHERE key='seq_ceiling'").fetchone()
        self._next = int(row[0]) if row else start
        self._ceiling = self._next

    def next(self) -> int:
        """Call outside any transaction: a reservation must be committed on its own, or a rolled-back
        caller could take the reservation with it and numbers would repeat after a crash."""
        with self._lock:
            if self._next >= self._ceiling:
                if self._conn.in_transaction:
                    raise RuntimeError("sequence block reserved inside a transaction")
                # Read the ceiling inside the write transaction: another process on the kit (the
                # step-by-step CLI beside the kit service) may have reserved a block since we looked.
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    row = self._conn.execute(f"SELECT value FROM {self._table} WHERE key='seq_ceiling'").fetchone()
                    start = max(self._next, int(row[0]) if row else self._next)
                    ceiling = start + BLOCK
                    self._conn.execute(
                        f"INSERT INTO {self._table}(key, value) VALUES('seq_ceiling', ?) "
                        "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                        (str(ceiling),),
                    )
                    self._conn.execute("COMMIT")
                except BaseException:
                    # A full disk fails the COMMIT: nothing was reserved and the caller is told so. The
                    # transaction must not stay open, or every later call would find itself "inside a
                    # transaction" and the sender could never sign again once space returns.
                    rollback_quietly(self._conn)
                    raise
                self._next = start
                self._ceiling = ceiling
            value = self._next
            self._next += 1
            return value
