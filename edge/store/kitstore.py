"""KitStore: captures are signed, hashed and committed here before anyone is told they are saved.

Records are signed envelopes (`kit.record`) written with their sequence number in one transaction;
files are written to `media/`, fsynced, then indexed. Sensitive files (fingerprint templates, ID images,
customer photos) are sealed to the hub's key before they touch the disk, so the kit never holds them in
clear. Nothing leaves this store until the hub's signed application ack says it is durably stored there.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from edge.identity import KitIdentity
from edge.store.errors import StoreError, StoreFull
from edge.store.opening import SetAside, open_database
from edge.store.personal import OrderKeys
from protocol.clock import Clock
from protocol.durable import fsync_path
from protocol.envelope import seal_envelope
from protocol.i18n import _
from protocol.ids import new_id
from protocol.limits import QUARANTINE_MAX_ENTRIES, QUARANTINE_RAW_PREFIX
from protocol.messages.kit import KitRecord
from protocol.messages.media import DEFAULT_CHUNK_SIZE, chunk_count
from protocol.safepath import check_id
from protocol.sealed import seal
from protocol.seqblock import SeqAllocator
from protocol.storage import is_storage_problem, rollback_quietly
from protocol.topics import KIT_UP_RECORD

COPY_BLOCK = 1024 * 1024


@dataclass(frozen=True)
class StoredRecord:
    id: str
    seq: int
    kind: str
    order_id: str | None
    sha256: str
    captured_ms: int
    state: str = "pending"  # pending (not yet acknowledged by the hub) | stored | refused


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    kind: str
    size: int
    sha256: str
    plain_sha256: str
    sealed: bool
    captured_ms: int
    order_id: str | None
    state: str = "pending"  # pending (not yet acknowledged by the hub) | stored | refused


@dataclass(frozen=True)
class PendingFile:
    file_id: str
    seq: int
    kind: str
    content_type: str
    order_id: str | None
    size: int
    sha256: str
    chunk_size: int
    chunks: int
    sealed: bool
    captured_ms: int
    meta: dict[str, Any]
    path: Path
    have: list[list[int]]



class KitStore:
    def __init__(
        self,
        data_dir: Path,
        identity: KitIdentity,
        clock: Clock,
        *,
        disk_floor_bytes: int = 200 * 1024 * 1024,
        disk_reserve_bytes: int = 20 * 1024 * 1024,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        free_bytes: Callable[[Path], int] | None = None,
    ) -> None:
        self.dir = Path(data_dir)
        self.media_dir = self.dir / "media"
        self.media_dir.mkdir(parents=True, exist_ok=True)
        self.identity = identity
        self.clock = clock
        self.disk_floor = disk_floor_bytes
        self.disk_reserve = disk_reserve_bytes
        self.chunk_size = chunk_size
        self._free = free_bytes or (lambda p: shutil.disk_usage(p).free)
        self.lock = threading.RLock()
        conn, aside = open_database(self.dir / "kit.db", clock.now_ms())
        self.conn = conn
        self.seq = SeqAllocator(conn, self.lock, start=clock.now_ms())
        self.keys = OrderKeys(conn, self.lock, identity.key)  # the customer's data, sealed per order
        self.set_aside: SetAside | None = aside
        self._topic = KIT_UP_RECORD.build(kit_id=identity.kit_id)
        self.listeners: list[Callable[[], None]] = []  # told when there is something new to sync
        if aside is not None:
            # The hub must learn that a kit lost its database: it knows what it had received from it.
            self.add_record("store.corrupt_set_aside", {"file": aside.path.name, "reason": aside.reason})

    # -- guards --------------------------------------------------------------------------------------
    def check_space(self, *, essential: bool, incoming: int = 0) -> None:
        free = self._free(self.dir) - incoming
        if free < self.disk_reserve:
            raise StoreFull(_("The kit's storage is full: nothing more can be recorded until it syncs."))
        if not essential and free < self.disk_floor:
            raise StoreFull(_("The kit's storage is almost full: only job evidence is recorded until it syncs."))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE .. COMMIT; a failure (a COMMIT the full disk refused) rolls back, so the shared
        connection is never left inside a transaction that every later write would trip over."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException:
            rollback_quietly(self.conn)
            raise

    def _notify(self) -> None:
        for fn in list(self.listeners):
            fn()

    # -- records -------------------------------------------------------------------------------------
    def add_record(
        self, kind: str, data: dict[str, Any], *, order_id: str | None = None, essential: bool = True
    ) -> StoredRecord:
        """Sign and commit a `kit.record`; returns only once it is durable."""
        body = KitRecord(kind=kind, captured_at=self.clock.now_ms(), data=data, order_id=order_id)
        return self.add_message("kit.record", body, topic=self._topic, kind=kind, order_id=order_id,
                                essential=essential)

    def add_message(
        self,
        type_name: str,
        body: msgspec.Struct | dict[str, Any],
        *,
        topic: str,
        kind: str | None = None,
        order_id: str | None = None,
        essential: bool = True,
    ) -> StoredRecord:
        """Sign any uplink message (a record, a job answer) and commit it to the outbox, in order."""
        self.check_space(essential=essential, incoming=4096)
        now = self.clock.now_ms()
        with self.lock, _refused_when_disk_fails():
            seq = self.seq.next()
            env = seal_envelope(self.identity.key, sender=self.identity.kit_id, seq=seq, ts=now,
                                type_name=type_name, body=body)
            wire = env.to_wire()
            digest = hashlib.sha256(wire).hexdigest()
            # A job's records name the customer (consent, form): sealed at rest with the order's key until
            # the hub has them (then the wire is dropped); the sync engine reads them back opened.
            at_rest = (self.keys.seal_bytes(order_id, wire, now) if order_id else None) or wire
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.execute(
                    "INSERT INTO records(seq, id, kind, order_id, sha256, captured_ms, topic, wire, state) "
                    "VALUES (?,?,?,?,?,?,?,?,'pending')",
                    (seq, env.id, kind or type_name, order_id, digest, now, topic, at_rest),
                )
                self.conn.execute("COMMIT")
            except BaseException:
                rollback_quietly(self.conn)
                raise
        self._notify()
        return StoredRecord(env.id, seq, kind or type_name, order_id, digest, now)

    def pending_records(self, after_seq: int = 0, limit: int = 500) -> list[tuple[int, str, str, bytes]]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT seq, id, topic, wire, order_id FROM records WHERE state='pending' AND seq>? ORDER BY seq "
                "LIMIT ?", (after_seq, limit),
            ).fetchall()
        out = []
        for r in rows:
            wire = self.keys.open_bytes(r[4], bytes(r[3])) if r[4] else bytes(r[3])
            if wire is not None:  # None: its order's key is gone (cannot happen while it waits for the hub)
                out.append((r[0], r[1], r[2], wire))
        return out

    def answers_by_order(self, kinds: tuple[str, ...]) -> dict[str, str]:
        """order id -> kind of the last record of one of these kinds about it (say `job.accept` or
        `job.refuse`: the locksmith's committed answers to offers, held or already sent)."""
        marks = ",".join("?" for _ in kinds)
        with self.lock:
            rows = self.conn.execute(f"SELECT order_id, kind FROM records WHERE kind IN ({marks}) ORDER BY seq",
                                     kinds).fetchall()
        return {str(order_id): str(kind) for order_id, kind in rows if order_id is not None}

    def records_for_order(self, order_id: str) -> list[StoredRecord]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT id, seq, kind, order_id, sha256, captured_ms, state FROM records WHERE order_id=? ORDER BY seq",
                (order_id,),
            ).fetchall()
        return [StoredRecord(*r) for r in rows]

    def mark_records(self, ids: list[str], state: str, detail: str = "") -> int:
        """The hub acknowledged these: drop the wire bytes (stored) or keep them aside (refused)."""
        if not ids:
            return 0
        now = self.clock.now_ms()
        with self.lock, self._transaction():
            n = 0
            for i in range(0, len(ids), 500):
                part = ids[i : i + 500]
                marks = ",".join("?" * len(part))
                wire_sql = "NULL" if state == "stored" else "wire"
                cur = self.conn.execute(
                    f"UPDATE records SET state=?, wire={wire_sql}, acked_ms=?, detail=? "
                    f"WHERE state='pending' AND id IN ({marks})",
                    (state, now, detail, *part),
                )
                n += cur.rowcount
        return n

    # -- files ---------------------------------------------------------------------------------------
    def add_file(
        self,
        *,
        kind: str,
        content_type: str,
        data: bytes | None = None,
        path: Path | None = None,
        move: bool = False,
        order_id: str | None = None,
        sensitive: bool = False,
        meta: dict[str, Any] | None = None,
        essential: bool = True,
        sha256: str | None = None,
    ) -> StoredFile:
        """Store a capture from bytes or a file; `move` adopts a file already on this disk (a video
        segment the recorder closed). Sensitive content is sealed to the hub key before it is written.
        `sha256`: the hash the caller already took of the file it hands over with `move` (the recorder hashes
        each segment as it closes it), so its bytes are hashed once."""
        if (data is None) == (path is None):
            raise ValueError("give exactly one of data or path")
        if sha256 is not None and (path is None or not move or sensitive):
            raise ValueError("a known sha256 is only for a plain file adopted with move=True")
        size_hint = len(data) if data is not None else Path(path).stat().st_size  # type: ignore[arg-type]
        self.check_space(essential=essential, incoming=size_hint)
        now = self.clock.now_ms()
        file_id = new_id(now)
        target = self.media_dir / f"{file_id}.bin"
        tmp = self.media_dir / f"{file_id}.tmp"
        try:
            with _refused_when_disk_fails():
                return self._add_file(kind=kind, content_type=content_type, data=data, path=path, move=move,
                                      order_id=order_id, sensitive=sensitive, meta=meta, now=now,
                                      file_id=file_id, target=target, tmp=tmp, known_sha256=sha256)
        except BaseException:
            # Nothing half-written stays behind: the capture is either indexed or not in media/ at all. A
            # segment the recorder handed over goes back where it was, so the recorder still holds it.
            if not self._indexed(file_id):
                for leftover in (tmp, target):
                    if leftover.exists():
                        if move and path is not None:
                            os.replace(leftover, path)
                        else:
                            leftover.unlink()
            raise

    def _indexed(self, file_id: str) -> bool:
        with self.lock:
            return self.conn.execute("SELECT 1 FROM files WHERE file_id=?", (file_id,)).fetchone() is not None

    def _add_file(self, *, kind: str, content_type: str, data: bytes | None, path: Path | None, move: bool,
                  order_id: str | None, sensitive: bool, meta: dict[str, Any] | None, now: int, file_id: str,
                  target: Path, tmp: Path, known_sha256: str | None = None) -> StoredFile:
        plain = hashlib.sha256()
        if sensitive:
            content = data if data is not None else Path(path).read_bytes()  # type: ignore[arg-type]
            plain.update(content)
            blob = seal(content, self.identity.hub_sealing, aad=file_id.encode())
            digest = hashlib.sha256(blob).hexdigest()
            size = len(blob)
            self._write_file(tmp, [blob])
        elif data is not None:
            plain.update(data)
            digest = plain.hexdigest()
            size = len(data)
            self._write_file(tmp, [data])
        elif known_sha256 is not None:
            src = Path(path)  # type: ignore[arg-type]
            digest = check_id(known_sha256, "sha256", "sha256")
            size = src.stat().st_size
            os.replace(src, tmp)
        else:
            src = Path(path)  # type: ignore[arg-type]
            for block in _blocks(src):
                plain.update(block)
            digest = plain.hexdigest()
            size = src.stat().st_size
            if move:
                os.replace(src, tmp)
            else:
                self._write_file(tmp, _blocks(src))
        plain_hex = plain.hexdigest() if sensitive else digest
        os.replace(tmp, target)
        fsync_path(self.media_dir)
        record = {
            "file_id": file_id, "kind": kind, "content_type": content_type, "order_id": order_id,
            "size": size, "sha256": digest, "plain_sha256": plain_hex, "chunk_size": self.chunk_size,
            "chunks": chunk_count(size, self.chunk_size), "sealed": int(sensitive), "captured_ms": now,
            "meta": json.dumps(meta or {}, ensure_ascii=False), "path": target.name, "state": "pending",
        }
        with self.lock:
            record["seq"] = self.seq.next()
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.execute(
                    f"INSERT INTO files({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                    tuple(record.values()),
                )
                self.conn.execute("COMMIT")
            except BaseException:
                rollback_quietly(self.conn)
                raise
        self._notify()
        return StoredFile(file_id, kind, size, digest, plain_hex, sensitive, now, order_id)

    @staticmethod
    def _write_file(path: Path, blocks: Iterator[bytes] | list[bytes]) -> None:
        with open(path, "wb") as fh:
            for block in blocks:
                fh.write(block)
            fh.flush()
            os.fsync(fh.fileno())

    def pending_files(self, limit: int = 10) -> list[PendingFile]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT file_id, seq, kind, content_type, order_id, size, sha256, chunk_size, chunks, sealed, "
                "captured_ms, meta, path, have FROM files WHERE state='pending' ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            PendingFile(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9]), r[10], json.loads(r[11]),
                        self.media_dir / r[12], json.loads(r[13]))
            for r in rows
        ]

    def file_metas(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        """(SHA-256 of the captured content, the meta stored with it) of every file of this kind the store
        holds or sent, in the order they were stored."""
        with self.lock:
            rows = self.conn.execute("SELECT plain_sha256, meta FROM files WHERE kind=? ORDER BY rowid",
                                     (kind,)).fetchall()
        return [(str(sha), dict(json.loads(meta))) for sha, meta in rows]

    def files_for_order(self, order_id: str) -> list[StoredFile]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT file_id, kind, size, sha256, plain_sha256, sealed, captured_ms, order_id, state FROM files "
                "WHERE order_id=? ORDER BY seq",
                (order_id,),
            ).fetchall()
        return [StoredFile(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7], r[8]) for r in rows]

    def read_chunk(self, pending: PendingFile, index: int) -> bytes:
        with open(pending.path, "rb") as fh:
            fh.seek(index * pending.chunk_size)
            return fh.read(pending.chunk_size)

    def update_file_progress(self, file_id: str, have: list[list[int]]) -> None:
        with self.lock:
            self.conn.execute("UPDATE files SET have=? WHERE file_id=? AND state='pending'",
                              (json.dumps(have), file_id))

    def mark_file(self, file_id: str, state: str, detail: str = "") -> bool:
        """Hub says complete (delete the bytes) or rejected (keep them for inspection)."""
        with self.lock:
            row = self.conn.execute("SELECT path FROM files WHERE file_id=? AND state='pending'",
                                    (file_id,)).fetchone()
            if row is None:
                return False
            with self._transaction():
                self.conn.execute(
                    "UPDATE files SET state=?, acked_ms=?, detail=?, path=CASE WHEN ?='stored' THEN NULL ELSE path END "
                    "WHERE file_id=?",
                    (state, self.clock.now_ms(), detail, state, file_id),
                )
        if state == "stored" and row[0]:
            # Deleted only after the commit above: a crash in between leaves a stray file, never a lost one.
            (self.media_dir / row[0]).unlink(missing_ok=True)
        return True

    # -- downlink bookkeeping --------------------------------------------------------------------------
    def remember_downlink(self, msg_id: str, type_name: str, body: dict[str, Any]) -> bool:
        """Record a hub message once; False if it was already processed (redelivery). A message about an
        order (offer, order, cancellation: they name the customer and the site) is sealed with its key."""
        now = self.clock.now_ms()
        order_id = body.get("order_id") if isinstance(body, dict) else None
        with self.lock:
            if self.conn.execute("SELECT 1 FROM downlink WHERE id=?", (msg_id,)).fetchone():
                return False
            text = self.keys.seal_json(str(order_id), body, now) if order_id else json.dumps(body, ensure_ascii=False)
            cur = self.conn.execute(
                "INSERT OR IGNORE INTO downlink(id, type, received_ms, body) VALUES (?,?,?,?)",
                (msg_id, type_name, now, text),
            )
            return cur.rowcount == 1

    def downlink_bodies(self, type_name: str) -> list[dict[str, Any]]:
        """The hub's messages of one type, oldest first, opened; those whose order's key is shredded are
        left out (their order is long closed)."""
        with self.lock:
            rows = self.conn.execute("SELECT body FROM downlink WHERE type=? ORDER BY received_ms, id",
                                     (type_name,)).fetchall()
        out = []
        for (text,) in rows:
            body = self.keys.open_json(text)
            if isinstance(body, dict):
                out.append(body)
        return out

    def refused_downlink_count(self) -> int:
        """How many refused downlink messages the store keeps for inspection (`lockwarden kit status`)."""
        with self.lock:
            return int(self.conn.execute("SELECT COUNT(*) FROM refused_downlink").fetchone()[0])

    def refuse_downlink(self, topic: str, reason: str, detail: str, raw: bytes) -> None:
        """Keep a refused downlink message for inspection, bounded like the hub's quarantine: a prefix of
        its bytes and the newest QUARANTINE_MAX_ENTRIES entries."""
        with self.lock:
            cur = self.conn.execute(
                "INSERT INTO refused_downlink(received_ms, topic, reason, detail, raw) VALUES (?,?,?,?,?)",
                (self.clock.now_ms(), topic[:256], reason, detail[:2000], raw[:QUARANTINE_RAW_PREFIX]),
            )
            self.conn.execute("DELETE FROM refused_downlink WHERE rowid <= ?",
                              (int(cur.lastrowid or 0) - QUARANTINE_MAX_ENTRIES,))

    # -- status --------------------------------------------------------------------------------------
    def forget_order_downlink(self, order_id: str, types: tuple[str, ...]) -> int:
        """Empty the bodies of the hub's messages of these types about one order (they carry the customer's
        details); the rows and their ids stay, so a redelivery is still recognised and not applied again."""
        marks = ",".join("?" for _ in types)
        with self.lock:
            cur = self.conn.execute(f"UPDATE downlink SET body = json_object('order_id', ?, 'purged', 1) "
                                    f"WHERE type IN ({marks}) AND json_extract(body, '$.order_id') = ?",
                                    (order_id, *types, order_id))
        return cur.rowcount

    def order_acknowledged_ms(self, order_id: str) -> int | None:
        """When the hub acknowledged the last of the order's records and files; None while any waits."""
        with self.lock:
            waiting = self.conn.execute(
                "SELECT (SELECT COUNT(*) FROM records WHERE order_id=? AND state='pending') + "
                "(SELECT COUNT(*) FROM files WHERE order_id=? AND state='pending')", (order_id, order_id)).fetchone()[0]
            if waiting:
                return None
            last = self.conn.execute(
                "SELECT MAX(m) FROM (SELECT MAX(acked_ms) AS m FROM records WHERE order_id=? "
                "UNION ALL SELECT MAX(acked_ms) FROM files WHERE order_id=?)", (order_id, order_id)).fetchone()[0]
        return None if last is None else int(last)

    def compact(self) -> None:
        """Rewrite the file and empty the WAL, so nothing deleted or overwritten survives in either."""
        with self.lock:
            self.conn.execute("VACUUM")
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def backlog(self) -> tuple[int, int]:
        with self.lock:
            r = self.conn.execute("SELECT COUNT(*) FROM records WHERE state='pending'").fetchone()[0]
            f = self.conn.execute("SELECT COUNT(*) FROM files WHERE state='pending'").fetchone()[0]
        return int(r), int(f)

    def close(self) -> None:
        with self.lock:
            self.conn.close()


@contextmanager
def _refused_when_disk_fails() -> Iterator[None]:
    """A write the disk refused (full, read-only, failing) becomes the store's own clear refusal; the
    caller still holds what it tried to store, and the next attempt after space returns succeeds."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        if is_storage_problem(exc):
            raise StoreFull(_("The kit's storage is full or failing: nothing more can be recorded until "
                              "space returns.")) from exc
        raise


def _blocks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while True:
            block = fh.read(COPY_BLOCK)
            if not block:
                return
            yield block


__all__ = ["KitStore", "PendingFile", "StoreError", "StoredFile", "StoredRecord"]
