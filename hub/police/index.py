"""The analysts' SQLite view of an export (`views.sqlite`): one row per entry plus a key table for
search. It is derived from the JSON Lines and rebuilt or caught up from them at any time, so it is
written with relaxed durability; the chain files are the record."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.police.keys_index import extract, order_of
from protocol.storage import rollback_quietly

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY, msg_id TEXT NOT NULL UNIQUE, hash TEXT NOT NULL, file TEXT NOT NULL,
    line INTEGER NOT NULL, ts INTEGER NOT NULL, kind TEXT NOT NULL, entity_id TEXT NOT NULL,
    order_id TEXT, created_ms INTEGER NOT NULL, data_json TEXT NOT NULL, media_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_created ON entries(created_ms);
CREATE INDEX IF NOT EXISTS entries_kind ON entries(kind, created_ms);
CREATE TABLE IF NOT EXISTS keys (
    field TEXT NOT NULL, value TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (field, value, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
    name TEXT PRIMARY KEY, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, last_hash TEXT NOT NULL,
    entries INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class IndexRow:
    seq: int
    msg_id: str
    hash: str
    file: str
    line: int
    ts: int
    kind: str
    entity_id: str
    created_ms: int
    data: dict[str, Any]
    media: list[dict[str, Any]]

    @classmethod
    def from_entry(cls, env: dict[str, Any], *, seq: int, hash: str, file: str, line: int) -> IndexRow:
        body = env["body"]
        return cls(seq=seq, msg_id=env["id"], hash=hash, file=file, line=line, ts=env["ts"], kind=body["kind"],
                   entity_id=body["entity_id"], created_ms=body["created_ms"], data=body["data"],
                   media=body.get("media", []))


def open_index(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(SCHEMA)
    return conn


def add_rows(conn: sqlite3.Connection, rows: Iterable[IndexRow]) -> None:
    conn.execute("BEGIN")
    try:
        for r in rows:
            order_id = order_of(r.kind, r.entity_id, r.data)
            conn.execute(
                "INSERT OR IGNORE INTO entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (r.seq, r.msg_id, r.hash, r.file, r.line, r.ts, r.kind, r.entity_id, order_id, r.created_ms,
                 json.dumps(r.data, ensure_ascii=False, sort_keys=True), json.dumps(r.media)),
            )
            conn.executemany("INSERT OR IGNORE INTO keys VALUES (?,?,?)",
                             [(f, v, r.seq) for f, v in extract(r.kind, r.entity_id, r.data)])
            conn.execute(
                "INSERT INTO files VALUES (?,?,?,?,1) ON CONFLICT(name) DO UPDATE SET "
                "last_seq=excluded.last_seq, last_hash=excluded.last_hash, entries=entries+1",
                (r.file, r.seq, r.seq, r.hash),
            )
        conn.execute("COMMIT")
    except BaseException:
        rollback_quietly(conn)
        raise


def max_seq(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM entries").fetchone()[0])


def msg_seq(conn: sqlite3.Connection, msg_id: str) -> int | None:
    row = conn.execute("SELECT seq FROM entries WHERE msg_id=?", (msg_id,)).fetchone()
    return None if row is None else int(row[0])


def hash_at(conn: sqlite3.Connection, seq: int) -> str | None:
    row = conn.execute("SELECT hash FROM entries WHERE seq=?", (seq,)).fetchone()
    return None if row is None else str(row[0])


def file_heads(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT * FROM files ORDER BY first_seq")]


# -- reading the view (hub/police/query.py, summary.py, views.py) ------------------------------------------
def search(conn: sqlite3.Connection, criteria: list[tuple[str, str]], *, prefix_fields: tuple[str, ...],
           kind: str | None, since_ms: int | None, until_ms: int | None, limit: int) -> list[sqlite3.Row]:
    """Entries matching every (field, normalised value) key (a prefix for `prefix_fields`), the kind and the
    time range, by seq. Every criterion is an indexed lookup."""
    where: list[str] = []
    params: list[Any] = []
    for field, value in criteria:
        if field in prefix_fields:
            where.append("e.seq IN (SELECT seq FROM keys WHERE field=? AND value>=? AND value<?)")
            params += [field, value, value + "\U0010ffff"]
        else:
            where.append("e.seq IN (SELECT seq FROM keys WHERE field=? AND value=?)")
            params += [field, value]
    if kind:
        where.append("e.kind=?")
        params.append(kind)
    if since_ms is not None:
        where.append("e.created_ms>=?")
        params.append(since_ms)
    if until_ms is not None:
        where.append("e.created_ms<?")
        params.append(until_ms)
    sql = "SELECT * FROM entries e"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY e.seq LIMIT ?"
    params.append(limit)
    return list(conn.execute(sql, params))


def entries(conn: sqlite3.Connection) -> Iterable[sqlite3.Row]:
    """Every entry, by seq."""
    return conn.execute("SELECT * FROM entries ORDER BY seq")


@dataclass(frozen=True)
class Counts:
    entries: int
    orders: int
    completed_orders: int
    completed_with_evidence: int
    media_refs: int
    latest_warning_level: dict[str, str]  # subject -> level of its latest risk.warning


def counts(conn: sqlite3.Connection) -> Counts:
    total = int(conn.execute("SELECT count(*) FROM entries").fetchone()[0])
    orders = int(conn.execute("SELECT count(DISTINCT order_id) FROM entries WHERE order_id IS NOT NULL").fetchone()[0])
    completed = [r[0] for r in conn.execute("SELECT DISTINCT order_id FROM entries WHERE kind='order.completed'")]
    with_evidence = sum(1 for oid in completed if conn.execute(
        "SELECT 1 FROM entries WHERE order_id=? AND media_json != '[]' LIMIT 1", (oid,)).fetchone())
    media_refs = sum(len(json.loads(r[0])) for r in conn.execute("SELECT media_json FROM entries WHERE media_json != '[]'"))
    latest: dict[str, str] = {}
    for r in conn.execute("SELECT entity_id, data_json FROM entries WHERE kind='risk.warning' ORDER BY seq"):
        latest[r[0]] = json.loads(r[1]).get("level", "none")
    return Counts(total, orders, len(completed), with_evidence, media_refs, latest)


def entries_of_kinds(conn: sqlite3.Connection, after_seq: int, kinds: tuple[str, ...]) -> list[sqlite3.Row]:
    """(seq, kind, entity_id, order_id, data_json) of entries of these kinds after `after_seq`, by seq."""
    marks = ",".join("?" * len(kinds))
    return list(conn.execute(
        f"SELECT seq, kind, entity_id, order_id, data_json FROM entries WHERE seq > ? AND kind IN ({marks})"
        " ORDER BY seq", (after_seq, *kinds)))


def entries_of_order(conn: sqlite3.Connection, order_id: str) -> list[sqlite3.Row]:
    """(seq, kind, created_ms, file, line, media_json) of every entry about the order, by seq."""
    return list(conn.execute(
        "SELECT seq, kind, created_ms, file, line, media_json FROM entries WHERE seq IN "
        "(SELECT seq FROM keys WHERE field='order' AND value=?) ORDER BY seq", (order_id.casefold(),)))


def seqs_with_key(conn: sqlite3.Connection, field: str, value: str) -> set[int]:
    """The seq of every entry with this (field, normalised value) key."""
    return {int(r[0]) for r in conn.execute("SELECT seq FROM keys WHERE field=? AND value=?", (field, value))}


def entries_at(conn: sqlite3.Connection, seqs: set[int]) -> list[sqlite3.Row]:
    """The entries with these seqs, by seq (asked 500 at a time: SQLite bounds a statement's parameters)."""
    ordered = sorted(seqs)
    rows: list[sqlite3.Row] = []
    for i in range(0, len(ordered), 500):
        part = ordered[i:i + 500]
        rows += conn.execute(f"SELECT * FROM entries WHERE seq IN ({','.join('?' * len(part))})", part).fetchall()
    return sorted(rows, key=lambda r: int(r["seq"]))
