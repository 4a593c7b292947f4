"""`EvidenceLookup` over the hub's ingest tables (hub/migrations/001_ingest.sql): what a bundle check
sees as "arrived". The check itself (`hub.evidence.check`) knows no table; this is the one place that does."""

from __future__ import annotations

from hub.db import Conn


class IngestLookup:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    def has_record(self, msg_id: str, sha256: str) -> bool:
        return self.conn.execute("SELECT 1 FROM kit_records WHERE id=? AND wire_sha256=?",
                                 (msg_id, sha256)).fetchone() is not None

    def record_sha256(self, msg_id: str) -> str | None:
        row = self.conn.execute("SELECT wire_sha256 FROM kit_records WHERE id=?", (msg_id,)).fetchone()
        return str(row[0]) if row else None

    def has_media(self, sha256: str) -> bool:
        return self.conn.execute("SELECT 1 FROM media_files WHERE sha256=? AND status='complete'",
                                 (sha256,)).fetchone() is not None

    def file_sha256(self, file_id: str) -> str | None:
        row = self.conn.execute("SELECT sha256 FROM media_files WHERE file_id=? AND status='complete'",
                                (file_id,)).fetchone()
        return str(row[0]) if row else None
