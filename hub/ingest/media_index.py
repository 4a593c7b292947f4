"""The media index's reads for the rest of the hub: which files arrived, from whom, for which order. (Only
the ingest's store writes the index, hub/ingest/store.py; everyone else asks here.)"""

from __future__ import annotations

from hub.db import Conn


def sender_of(conn: Conn, file_id: str) -> str | None:
    row = conn.execute("SELECT sender FROM media_files WHERE file_id=?", (file_id,)).fetchone()
    return None if row is None else str(row[0])


def open_uploads(conn: Conn, sender: str) -> int:
    """How many of the sender's files are announced but not complete."""
    return int(conn.execute("SELECT COUNT(*) FROM media_files WHERE sender=? AND status='partial'",
                            (sender,)).fetchone()[0])


def stored_copies(conn: Conn, sha256: str) -> list[tuple[str, str | None]]:
    """(sender, order id) of every accepted file with these bytes: who sent the image, and for which order."""
    return [(str(r[0]), r[1]) for r in conn.execute(
        "SELECT sender, order_id FROM media_files WHERE sha256=? AND status='complete'", (sha256,))]


def missing_job_evidence(conn: Conn, order_ids: list[str] | tuple[str, ...]) -> int:
    """How many of these orders lack a complete video, a photo before or a photo after."""
    n = 0
    for order_id in order_ids:
        n += conn.execute(
            "SELECT NOT EXISTS (SELECT 1 FROM media_files m WHERE m.order_id=? AND m.kind LIKE 'video%'"
            " AND m.status='complete')"
            " OR NOT EXISTS (SELECT 1 FROM media_files m WHERE m.order_id=? AND m.kind LIKE '%before%')"
            " OR NOT EXISTS (SELECT 1 FROM media_files m WHERE m.order_id=? AND m.kind LIKE '%after%')",
            (order_id, order_id, order_id)).fetchone()[0]
    return n


def content_type(conn: Conn, sha256: str) -> str | None:
    row = conn.execute("SELECT content_type FROM media_files WHERE sha256=? AND status='complete' LIMIT 1",
                       (sha256,)).fetchone()
    return str(row[0]) if row else None


def has_complete(conn: Conn, sha256: str) -> bool:
    return conn.execute("SELECT 1 FROM media_files WHERE sha256=? AND status='complete'",
                        (sha256,)).fetchone() is not None


def complete_sha256(conn: Conn, file_id: str) -> str | None:
    row = conn.execute("SELECT sha256 FROM media_files WHERE file_id=? AND status='complete'", (file_id,)).fetchone()
    return str(row[0]) if row else None
