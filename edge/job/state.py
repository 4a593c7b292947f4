"""Job state that survives a reboot: `job.db` beside the kit store (its own file, its own schema).

Signed records are the evidence; this database only remembers where each job stands and what the flow
needs to continue (the order as received, the session, attempt counters, the video). After a crash between
committing a step's record and advancing the step here, `JobFlow` reconciles from the records, so the two
never disagree for long and a step is never silently lost.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.job.steps import Step
from edge.store.personal import SEALED, OrderKeys
from edge.store.schema_version import shipped, upgrade
from protocol.storage import rollback_quietly

MIGRATIONS = shipped("edge.job")  # edge/job/migrations/NNN_*.sql; version 1 is the schema as first shipped


@dataclass(frozen=True)
class JobRow:
    order_id: str
    locksmith_id: str
    order: dict[str, Any]
    step: Step
    info: dict[str, Any]
    code_attempts: int
    created_ms: int
    updated_ms: int


@dataclass(frozen=True)
class Session:
    locksmith_id: str
    method: str
    since_ms: int
    record_id: str


class JobDB:
    """`keys`: the kit store's per-order keys (edge/store/personal.py). With them the order as received and
    the step results are sealed at rest with their order's key; once it is shredded they read as erased."""

    def __init__(self, path: Path, keys: OrderKeys | None = None) -> None:
        self.keys = keys
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA secure_delete=ON")  # purged personal data leaves no copy in free pages
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA busy_timeout=30000")
        upgrade(self.conn, MIGRATIONS, label=str(path), v1_table="jobs")
        self.lock = threading.RLock()

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    # -- jobs --------------------------------------------------------------------------------------------
    def create(self, order_id: str, locksmith_id: str, order: dict[str, Any], now_ms: int) -> bool:
        with self.lock:
            cur = self.conn.execute(
                "INSERT OR IGNORE INTO jobs(order_id, locksmith_id, order_json, step, created_ms, updated_ms) "
                "VALUES (?,?,?,?,?,?)",
                (order_id, locksmith_id, self._seal(order_id, order, now_ms), Step.ASSIGNED.value, now_ms, now_ms),
            )
            return cur.rowcount == 1

    def get(self, order_id: str) -> JobRow | None:
        with self.lock:
            row = self.conn.execute(
                "SELECT order_id, locksmith_id, order_json, step, info, code_attempts, created_ms, updated_ms "
                "FROM jobs WHERE order_id=?", (order_id,),
            ).fetchone()
        return self._row(row) if row else None

    def active(self) -> list[JobRow]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT order_id, locksmith_id, order_json, step, info, code_attempts, created_ms, updated_ms "
                "FROM jobs WHERE step != ? ORDER BY created_ms, order_id", (Step.SEALED.value,),
            ).fetchall()
        return [self._row(r) for r in rows]

    def all(self) -> list[JobRow]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT order_id, locksmith_id, order_json, step, info, code_attempts, created_ms, updated_ms "
                "FROM jobs ORDER BY created_ms, order_id").fetchall()
        return [self._row(r) for r in rows]

    def advance(self, order_id: str, step: Step, record_id: str, now_ms: int,
                info: dict[str, Any] | None = None) -> None:
        """Move to `step` and merge `info`, in one transaction."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                if info:
                    row = self.conn.execute("SELECT info FROM jobs WHERE order_id=?", (order_id,)).fetchone()
                    merged = {**self._open(row[0], {}), **info}
                    self.conn.execute("UPDATE jobs SET info=? WHERE order_id=?",
                                      (self._seal(order_id, merged, now_ms), order_id))
                self.conn.execute("UPDATE jobs SET step=?, updated_ms=? WHERE order_id=?",
                                  (step.value, now_ms, order_id))
                self.conn.execute("INSERT OR IGNORE INTO steps(order_id, step, record_id, at_ms) VALUES (?,?,?,?)",
                                  (order_id, step.value, record_id, now_ms))
                self.conn.execute("COMMIT")
            except BaseException:
                rollback_quietly(self.conn)  # a failed COMMIT (disk full) may have rolled back already
                raise

    def replace_order(self, order_id: str, order: dict[str, Any], info: dict[str, Any]) -> None:
        """Overwrite the order as received and the step results (the personal-data purge, after the order's
        key was shredded: what is written then, without the personal fields, stays readable)."""
        with self.lock:
            self.conn.execute("UPDATE jobs SET order_json=?, info=? WHERE order_id=?",
                              (self._seal(order_id, order, 0), self._seal(order_id, info, 0), order_id))

    def compact(self) -> None:
        """Rewrite the file and empty the WAL, so nothing deleted or overwritten survives in either."""
        with self.lock:
            self.conn.execute("VACUUM")
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def merge_info(self, order_id: str, info: dict[str, Any]) -> None:
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                row = self.conn.execute("SELECT info FROM jobs WHERE order_id=?", (order_id,)).fetchone()
                merged = {**self._open(row[0], {}), **info}
                self.conn.execute("UPDATE jobs SET info=? WHERE order_id=?",
                                  (self._seal(order_id, merged, 0), order_id))
                self.conn.execute("COMMIT")
            except BaseException:
                rollback_quietly(self.conn)
                raise

    def count_code_attempt(self, order_id: str) -> int:
        with self.lock:
            self.conn.execute("UPDATE jobs SET code_attempts = code_attempts + 1 WHERE order_id=?", (order_id,))
            row = self.conn.execute("SELECT code_attempts FROM jobs WHERE order_id=?", (order_id,)).fetchone()
        return int(row[0])

    def steps(self, order_id: str) -> list[tuple[Step, str, int]]:
        with self.lock:
            rows = self.conn.execute("SELECT step, record_id, at_ms FROM steps WHERE order_id=? ORDER BY at_ms, rowid",
                                     (order_id,)).fetchall()
        return [(Step(r[0]), r[1], r[2]) for r in rows]

    # -- sealing --------------------------------------------------------------------------------------
    def _seal(self, order_id: str, value: dict[str, Any], now_ms: int) -> str:
        text = json.dumps(value, ensure_ascii=False)
        if self.keys is None:
            return text
        blob = self.keys.seal_bytes(order_id, text.encode(), now_ms)
        # None: the key is shredded; only the purge writes then, and what it writes names nobody.
        return text if blob is None else json.dumps({"order_id": order_id, SEALED: base64.b64encode(blob).decode()})

    def _open(self, text: str, erased: dict[str, Any]) -> dict[str, Any]:
        value = json.loads(text)
        if isinstance(value, dict) and SEALED in value:
            plain = None if self.keys is None else self.keys.open_bytes(str(value.get("order_id", "")),
                                                                         base64.b64decode(value[SEALED]))
            return erased if plain is None else dict(json.loads(plain))  # None: shredded, purge not yet done
        return dict(value)

    def _row(self, r: tuple[Any, ...]) -> JobRow:
        erased = {"order_id": r[0], "locksmith_id": r[1], "site_address": "", "site_lat": None, "site_lon": None,
                  "lock_type": "", "category": "", "code_hash": ""}
        return JobRow(r[0], r[1], self._open(r[2], erased), Step(r[3]), self._open(r[4], {}), int(r[5]), int(r[6]),
                      int(r[7]))

    # -- small counters ---------------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        with self.lock:
            row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self.conn.execute("INSERT INTO meta(key, value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET "
                              "value=excluded.value", (key, value))

    # -- session -------------------------------------------------------------------------------------------
    def session(self) -> Session | None:
        with self.lock:
            row = self.conn.execute("SELECT locksmith_id, method, since_ms, record_id FROM session").fetchone()
        return Session(*row) if row else None

    def set_session(self, session: Session | None) -> None:
        with self.lock:
            self.conn.execute("DELETE FROM session")
            if session is not None:
                self.conn.execute("INSERT INTO session(one, locksmith_id, method, since_ms, record_id) VALUES (1,?,?,?,?)",
                                  (session.locksmith_id, session.method, session.since_ms, session.record_id))

