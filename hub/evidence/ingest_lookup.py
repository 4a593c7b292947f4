"""`EvidenceLookup` over the hub's ingest stores: what a bundle check sees as "arrived". The check itself
(`hub.evidence.check`) knows no store; this is the one place that asks them."""

from __future__ import annotations

from hub.db import Conn
from hub.ingest import media_index
from hub.ingest import store as ingest_store


class IngestLookup:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    def has_record(self, msg_id: str, sha256: str) -> bool:
        return ingest_store.has_record(self.conn, msg_id, sha256)

    def record_sha256(self, msg_id: str) -> str | None:
        return ingest_store.record_sha256(self.conn, msg_id)

    def has_media(self, sha256: str) -> bool:
        return media_index.has_complete(self.conn, sha256)

    def file_sha256(self, file_id: str) -> str | None:
        return media_index.complete_sha256(self.conn, file_id)
