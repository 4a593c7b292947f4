"""Police forwarding's storage: the sealed chain of records waiting for (or acknowledged by) the police
export (`police_outbox`), media the export confirmed it holds (`police_media_acked`) and the forwarder's
own state (`police_forward_state`: the last checkpoint, a divergence)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hub.db import Conn, Row


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    feed_seq: int


def head(conn: Conn) -> Head | None:
    """The newest sealed record: its seq, chain hash and the police_feed seq it sealed."""
    last = conn.execute("SELECT seq, hash, feed_seq FROM police_outbox ORDER BY seq DESC LIMIT 1").fetchone()
    return None if last is None else Head(int(last[0]), str(last[1]), int(last[2]))


def seal(conn: Conn, *, seq: int, feed_seq: int, msg_id: str, kind: str, wire: bytes, chain_hash: str,
         media_json: str, now_ms: int) -> None:
    conn.execute(
        "INSERT INTO police_outbox(seq, feed_seq, msg_id, kind, wire, hash, media_json, created_ms)"
        " VALUES (?,?,?,?,?,?,?,?)", (seq, feed_seq, msg_id, kind, wire, chain_hash, media_json, now_ms))


def unacked(conn: Conn, limit: int) -> list[Row]:
    """(seq, wire, media_json, sent_ms) of the oldest records the export has not acknowledged."""
    return list(conn.execute(
        "SELECT seq, wire, media_json, sent_ms FROM police_outbox WHERE acked_ms IS NULL ORDER BY seq LIMIT ?",
        (limit,)))


def mark_sent(conn: Conn, seqs: list[int], now_ms: int) -> None:
    conn.executemany("UPDATE police_outbox SET sent_ms=?, attempts=attempts+1 WHERE seq=?", [(now_ms, s) for s in seqs])


def hash_at(conn: Conn, seq: int) -> str | None:
    row = conn.execute("SELECT hash FROM police_outbox WHERE seq=?", (seq,)).fetchone()
    return None if row is None else str(row[0])


def ack(conn: Conn, upto_seq: int, now_ms: int) -> list[list[dict[str, Any]]]:
    """Mark every record up to `upto_seq` acknowledged; returns the media refs of those acknowledged now."""
    conn.execute("UPDATE police_outbox SET acked_ms=? WHERE seq<=? AND acked_ms IS NULL", (now_ms, upto_seq))
    return [json.loads(r[0]) for r in conn.execute(
        "SELECT media_json FROM police_outbox WHERE seq<=? AND media_json != '[]' AND acked_ms=?", (upto_seq, now_ms))]


def media_acked(conn: Conn, sha256: str) -> bool:
    return conn.execute("SELECT 1 FROM police_media_acked WHERE sha256=?", (sha256,)).fetchone() is not None


def add_media_acked(conn: Conn, shas: set[str], now_ms: int) -> None:
    conn.executemany("INSERT INTO police_media_acked(sha256, acked_ms) VALUES (?,?)"
                     " ON CONFLICT (sha256) DO NOTHING", [(s, now_ms) for s in shas])


def acked_seq(conn: Conn) -> int:
    row = conn.execute("SELECT MAX(seq) FROM police_outbox WHERE acked_ms IS NOT NULL").fetchone()
    return int(row[0] or 0)


def backlog(conn: Conn) -> int:
    return int(conn.execute("SELECT count(*) FROM police_outbox WHERE acked_ms IS NULL").fetchone()[0])


def max_seq(conn: Conn) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM police_outbox").fetchone()[0])


def state(conn: Conn, k: str) -> str | None:
    row = conn.execute("SELECT v FROM police_forward_state WHERE k=?", (k,)).fetchone()
    return None if row is None else str(row[0])


def set_state(conn: Conn, k: str, v: str) -> None:
    conn.execute("INSERT INTO police_forward_state VALUES (?,?) ON CONFLICT(k) DO UPDATE SET v=excluded.v", (k, v))


def status(conn: Conn) -> dict[str, Any]:
    """Forwarding health for operators: sealed, acknowledged, backlog, oldest unacknowledged, media."""
    def one(sql: str) -> Any:
        return conn.execute(sql).fetchone()[0]

    return {
        "sealed": int(one("SELECT COALESCE(MAX(seq), 0) FROM police_outbox")),
        "acked": int(one("SELECT COALESCE(MAX(seq), 0) FROM police_outbox WHERE acked_ms IS NOT NULL")),
        "backlog": int(one("SELECT COUNT(*) FROM police_outbox WHERE acked_ms IS NULL")),
        "oldest_unacked_ms": one("SELECT MIN(created_ms) FROM police_outbox WHERE acked_ms IS NULL"),
        "media_acked": int(one("SELECT COUNT(*) FROM police_media_acked")),
        "diverged": state(conn, "diverged"),
    }
