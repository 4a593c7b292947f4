"""The ingest's storage: every accepted envelope (`envelopes`, `kit_records`), files in arrival
(`media_files`, `media_chunks`), refusals kept for inspection (`quarantine`), counters (`ingest_stats`) and
each kit's link state (`kit_link_state`). The SQL text is the ingest's own, moved here unchanged; the
ingest (hub/ingest/ingest.py) decides, this module stores. (media_index.py answers the rest of the hub.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.db import Conn


# -- envelopes and records -------------------------------------------------------------------------------------
def seen(conn: Conn, msg_id: str, sender: str, seq: int) -> list[tuple[str, str]]:
    """(id, sig) of a stored envelope with this id, then of one with this sender and seq."""
    # One statement, two index probes (primary key, then UNIQUE(sender, seq)): nearly every message
    # is new, so both answers are usually "nothing", and one round trip into SQLite is half the cost.
    return [(r[0], r[1]) for r in conn.execute(
        "SELECT id, sig FROM envelopes WHERE id=? UNION ALL "
        "SELECT id, sig FROM envelopes WHERE sender=? AND seq=?", (msg_id, sender, seq)).fetchall()]


def envelopes_from(conn: Conn, sender: str, from_seq: int) -> int:
    """How many envelopes of this sender the hub accepted at or after sequence number `from_seq`."""
    return int(conn.execute("SELECT COUNT(*) FROM envelopes WHERE sender=? AND seq >= ?",
                            (sender, from_seq)).fetchone()[0])


def put_envelope(conn: Conn, msg_id: str, sender: str, seq: int, type_name: str, sig: str,
                 now_ms: int) -> None:
    conn.execute(
        "INSERT INTO envelopes(id, sender, seq, type, sig, received_ms) VALUES (?,?,?,?,?,?)",
        (msg_id, sender, seq, type_name, sig, now_ms),
    )


def put_link_state(conn: Conn, kit_id: str, status: str, since_ms: int, backlog_records: int,
                   backlog_files: int, now_ms: int) -> None:
    conn.execute(
        "INSERT INTO kit_link_state(kit_id, status, since_ms, backlog_records, backlog_files, updated_ms) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT(kit_id) DO UPDATE SET status=excluded.status, "
        "since_ms=excluded.since_ms, backlog_records=excluded.backlog_records, "
        "backlog_files=excluded.backlog_files, updated_ms=excluded.updated_ms "
        # a will that arrives late must not undo the birth of a newer connection
        "WHERE excluded.since_ms >= kit_link_state.since_ms",
        (kit_id, status, since_ms, backlog_records, backlog_files, now_ms),
    )


@dataclass(frozen=True)
class StoredRecord:
    id: str
    sender: str
    seq: int
    type: str
    kind: str
    order_id: str | None
    captured_ms: int
    received_ms: int
    body_json: str
    wire: bytes
    wire_sha256: str


def put_record(conn: Conn, r: StoredRecord) -> None:
    conn.execute(
        "INSERT INTO kit_records(id, sender, seq, type, kind, order_id, captured_ms, received_ms, body, wire, "
        "wire_sha256) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (r.id, r.sender, r.seq, r.type, r.kind, r.order_id, r.captured_ms, r.received_ms, r.body_json, r.wire,
         r.wire_sha256),
    )


# -- files in arrival ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FileRow:
    file_id: str
    sender: str
    sha256: str
    size: int
    chunk_size: int
    chunks: int
    status: str
    detail: str | None
    content_type: str
    have_chunks: int  # -1 unless asked for (counting is not free on every chunk of a large file)


def file(conn: Conn, file_id: str, *, count_chunks: bool = False) -> FileRow | None:
    held = "(SELECT COUNT(*) FROM media_chunks WHERE file_id=f.file_id)" if count_chunks else "-1"
    row = conn.execute(
        "SELECT sender, sha256, size, chunk_size, chunks, status, detail, content_type,"
        f" {held} FROM media_files f WHERE file_id=?", (file_id,)).fetchone()
    return None if row is None else FileRow(file_id, row[0], row[1], int(row[2]), int(row[3]), int(row[4]), row[5],
                                            row[6], row[7], int(row[8]))


def open_files(conn: Conn, sender: str) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM media_files WHERE sender=? AND status='partial'",
                            (sender,)).fetchone()[0])


@dataclass(frozen=True)
class NewFile:
    file_id: str
    sender: str
    kind: str
    content_type: str
    order_id: str | None
    size: int
    sha256: str
    chunk_size: int
    chunks: int
    sealed: bool
    captured_ms: int
    meta_json: str
    begin_id: str


def begin_file(conn: Conn, f: NewFile, now_ms: int) -> None:
    conn.execute(
        "INSERT INTO media_files(file_id, sender, kind, content_type, order_id, size, sha256, chunk_size, chunks, "
        "sealed, captured_ms, meta, begin_id, status, received_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,'partial',?)",
        (f.file_id, f.sender, f.kind, f.content_type, f.order_id, f.size, f.sha256, f.chunk_size, f.chunks,
         int(f.sealed), f.captured_ms, f.meta_json, f.begin_id, now_ms),
    )


def put_complete(conn: Conn, *, file_id: str, sender: str, kind: str, content_type: str,
                 order_id: str | None, size: int, sha256: str, now_ms: int, meta_json: str) -> None:
    """A whole file stored at the hub itself (not uploaded in chunks): indexed as complete at once."""
    conn.execute(
        "INSERT INTO media_files(file_id, sender, kind, content_type, order_id, size, sha256, chunk_size, chunks,"
        " sealed, captured_ms, meta, begin_id, status, received_ms, completed_ms)"
        " VALUES (?,?,?,?,?,?,?,?,1,0,?,?,?,'complete',?,?)",
        (file_id, sender, kind, content_type, order_id, size, sha256, max(1, size), now_ms, meta_json, file_id,
         now_ms, now_ms))


def end_file(conn: Conn, file_id: str, status: str, detail: str, now_ms: int) -> None:
    """complete, rejected or cancelled, with why."""
    conn.execute("UPDATE media_files SET status=?, detail=?, completed_ms=? WHERE file_id=?",
                 (status, detail, now_ms, file_id))


def has_chunk(conn: Conn, file_id: str, index: int) -> bool:
    return conn.execute("SELECT 1 FROM media_chunks WHERE file_id=? AND idx=?", (file_id, index)).fetchone() is not None


def put_chunk(conn: Conn, file_id: str, index: int, size: int, sha256: str) -> None:
    conn.execute("INSERT INTO media_chunks(file_id, idx, size, sha256) VALUES (?,?,?,?)", (file_id, index, size, sha256))


def chunk_hashes(conn: Conn, file_id: str) -> dict[int, str]:
    """Each held chunk's SHA-256 as its frame signed it."""
    return {int(r[0]): r[1] for r in conn.execute("SELECT idx, sha256 FROM media_chunks WHERE file_id=?", (file_id,))}


def drop_chunks(conn: Conn, file_id: str, indices: tuple[int, ...]) -> None:
    for index in indices:
        conn.execute("DELETE FROM media_chunks WHERE file_id=? AND idx=?", (file_id, index))


def chunk_ranges(conn: Conn, file_id: str) -> list[list[int]]:
    """[first, last] of each run of chunks held."""
    # Ranges computed in SQLite (gaps and islands over the primary key): a 100 MB file is hundreds of
    # chunks, acknowledged every batch; only the few ranges come back to Python.
    return [[r[0], r[1]] for r in conn.execute(
        "SELECT MIN(idx), MAX(idx) FROM (SELECT idx, idx - ROW_NUMBER() OVER (ORDER BY idx) AS g "
        "FROM media_chunks WHERE file_id=?) AS runs GROUP BY g ORDER BY 1", (file_id,))]


def stored_elsewhere(conn: Conn, file_id: str, sha256: str) -> bool:
    return conn.execute("SELECT 1 FROM media_files WHERE sha256=? AND status='complete' AND file_id<>?",
                        (sha256, file_id)).fetchone() is not None


def partial_files(conn: Conn) -> list[tuple[str, str, str, int]]:
    """(file id, sender, sender's role or '', announced ms) of every unfinished upload."""
    return [(r[0], r[1], r[2], int(r[3])) for r in conn.execute(
        "SELECT f.file_id, f.sender, COALESCE(p.role, ''), f.received_ms FROM media_files f "
        "LEFT JOIN principals p ON p.id=f.sender WHERE f.status='partial'").fetchall()]


def drop_partial(conn: Conn, file_id: str) -> None:
    conn.execute("DELETE FROM media_chunks WHERE file_id=?", (file_id,))
    conn.execute("DELETE FROM media_files WHERE file_id=? AND status='partial'", (file_id,))


# -- quarantine and counters -----------------------------------------------------------------------------------
def quarantine(conn: Conn, *, now_ms: int, topic: str, sender: str | None, msg_id: str | None,
               reason: str, detail: str, raw: bytes, raw_size: int, keep: int) -> int:
    """Keep one refusal; drop the oldest beyond `keep` entries. Returns how many were dropped."""
    cur = conn.execute(
        "INSERT INTO quarantine(received_ms, topic, sender, msg_id, reason, detail, raw, raw_size) "
        "VALUES (?,?,?,?,?,?,?,?) RETURNING n",
        (now_ms, topic, sender, msg_id, reason, detail, raw, raw_size),
    )
    return int(conn.execute("DELETE FROM quarantine WHERE n <= ?", (int(cur.fetchone()[0]) - keep,)).rowcount)


@dataclass(frozen=True)
class QuarantineGrowth:
    recent: int
    first_recent_ms: int | None
    total: int


def quarantine_growth(conn: Conn, since_ms: int) -> QuarantineGrowth:
    recent = conn.execute("SELECT COUNT(*), MIN(received_ms) FROM quarantine WHERE received_ms >= ?",
                          (since_ms,)).fetchone()
    return QuarantineGrowth(int(recent[0]), recent[1], quarantine_kept(conn))


def quarantine_kept(conn: Conn) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0])


def quarantined_after(conn: Conn, after_n: int) -> list[tuple[str, str]]:
    """(reason, detail) of every kept refusal numbered after `after_n`, oldest first."""
    return [(str(r[0]), str(r[1])) for r in conn.execute(
        "SELECT reason, detail FROM quarantine WHERE n > ? ORDER BY n", (after_n,)).fetchall()]


def quarantine_entry(conn: Conn, n: int) -> dict[str, Any] | None:
    """One kept refusal with its raw prefix (`hub quarantine --show N`)."""
    row = conn.execute("SELECT * FROM quarantine WHERE n=?", (n,)).fetchone()
    return None if row is None else dict(row)


def quarantine_latest(conn: Conn, limit: int) -> list[dict[str, Any]]:
    """The newest kept refusals, without their raw bytes (`bytes`: how long the message was)."""
    return [dict(r) for r in conn.execute(
        "SELECT n, received_ms, topic, sender, msg_id, reason, detail, COALESCE(raw_size, length(raw)) AS bytes "
        "FROM quarantine ORDER BY n DESC LIMIT ?", (limit,))]


def stored_per_kit(conn: Conn) -> list[tuple[str, int, int, int]]:
    """(sender, records, complete files, their bytes) for every sender the hub holds records of."""
    return [(str(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in conn.execute(
        "SELECT r.sender, r.n, COALESCE(f.n, 0), COALESCE(f.bytes, 0) FROM"
        " (SELECT sender, COUNT(*) AS n FROM kit_records GROUP BY sender) AS r LEFT JOIN"
        " (SELECT sender, COUNT(*) AS n, SUM(size) AS bytes FROM media_files WHERE status='complete'"
        " GROUP BY sender) AS f ON f.sender = r.sender ORDER BY r.sender")]


def quarantined_of(conn: Conn, sender: str) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM quarantine WHERE sender=?", (sender,)).fetchone()[0])


def bump(conn: Conn, name: str, n: int) -> None:
    conn.execute(
        "INSERT INTO ingest_stats(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value=ingest_stats.value+?",
        (name, n, n),
    )


def link_status(conn: Conn, kit_id: str) -> tuple[str, int] | None:
    """(status, since) of the kit's newest connection as the hub holds it."""
    row = conn.execute("SELECT status, since_ms FROM kit_link_state WHERE kit_id=?", (kit_id,)).fetchone()
    return None if row is None else (str(row[0]), int(row[1]))


def records_of_kind(conn: Conn, sender: str, kind: str) -> int:
    """How many records of this kind the hub holds from this sender."""
    return int(conn.execute("SELECT COUNT(*) FROM kit_records WHERE sender=? AND kind=?",
                            (sender, kind)).fetchone()[0])


def record_sha256(conn: Conn, msg_id: str) -> str | None:
    """The SHA-256 of a stored record's wire bytes."""
    row = conn.execute("SELECT wire_sha256 FROM kit_records WHERE id=?", (msg_id,)).fetchone()
    return str(row[0]) if row else None


def has_record(conn: Conn, msg_id: str, sha256: str) -> bool:
    return conn.execute("SELECT 1 FROM kit_records WHERE id=? AND wire_sha256=?", (msg_id, sha256)).fetchone() is not None
