"""Tracking evidence bundles as their parts arrive: a job shows complete at the hub only when the kit's
signed manifest verifies and every record and file it lists is stored with the same SHA-256.

A bundle usually arrives before the last video segments (files sync after records), so an incomplete
bundle is checked again whenever a file of its kit completes. Once complete it goes to the police with
its media (`police_feed` kind `evidence.bundle`).
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from hub import police_feed
from hub.db import Conn
from hub.evidence.check import BundleCheck, check_bundle
from hub.evidence.ingest_lookup import IngestLookup
from hub.evidence.police_copy import Media, reseal_for_police
from hub.ingest.principals import Principals
from hub.orders import outbox
from protocol.clock import Clock


class EvidenceTracker:
    def __init__(self, clock: Clock, principals: Principals, *, media: Media | None = None,
                 hub_sealing: X25519PrivateKey | None = None, police_sealing: X25519PublicKey | None = None) -> None:
        self.clock = clock
        self.principals = principals
        self.media = media
        self.hub_sealing = hub_sealing
        self.police_sealing = police_sealing

    def on_bundle(self, conn: Conn, kit_id: str, record_id: str, order_id: str | None,
                  data: dict[str, Any]) -> BundleCheck:
        manifest = data.get("manifest", data)
        now = self.clock.now_ms()
        result = self._check(conn, kit_id, manifest, order_id)
        conn.execute(
            "INSERT INTO evidence_bundles(order_id, kit_id, record_id, manifest, manifest_sha256, status, detail, "
            "received_ms, checked_ms) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(order_id) DO UPDATE SET "
            "kit_id=excluded.kit_id, record_id=excluded.record_id, manifest=excluded.manifest, "
            "manifest_sha256=excluded.manifest_sha256, status=excluded.status, detail=excluded.detail, "
            "checked_ms=excluded.checked_ms",
            (order_id or result.order_id, kit_id, record_id, json.dumps(manifest, ensure_ascii=False),
             result.manifest_sha256, result.status, _detail(result), now, now))
        self._after(conn, order_id or result.order_id, result)
        return result

    def recheck_waiting(self, conn: Conn, kit_id: str) -> int:
        """`recheck` of the kit's bundles, only if one of them is still incomplete (the usual case: none)."""
        if conn.execute("SELECT 1 FROM evidence_bundles WHERE kit_id=? AND status='incomplete' LIMIT 1",
                        (kit_id,)).fetchone() is None:
            return 0
        return self.recheck(conn, kit_id)

    def recheck(self, conn: Conn, kit_id: str | None = None) -> int:
        """Check again every bundle not yet complete (of one kit, when given). Returns how many completed."""
        sql = "SELECT order_id, kit_id, manifest FROM evidence_bundles WHERE status IN ('incomplete')"
        args: tuple[Any, ...] = ()
        if kit_id is not None:
            sql += " AND kit_id=?"
            args = (kit_id,)
        done = 0
        for row in conn.execute(sql, args).fetchall():
            result = self._check(conn, row["kit_id"], json.loads(row["manifest"]), row["order_id"])
            conn.execute("UPDATE evidence_bundles SET status=?, detail=?, checked_ms=? WHERE order_id=?",
                         (result.status, _detail(result), self.clock.now_ms(), row["order_id"]))
            self._after(conn, row["order_id"], result)
            done += result.complete
        return done

    def _check(self, conn: Conn, kit_id: str, manifest: dict[str, Any], order_id: str | None) -> BundleCheck:
        key = self.principals.key_for(kit_id)
        if key is None:
            return BundleCheck("invalid", problems=[f"no key for kit {kit_id}"])
        return check_bundle(manifest, kit_key=key, lookup=IngestLookup(conn), sender=kit_id, order_id=order_id)

    def _after(self, conn: Conn, order_id: str, result: BundleCheck) -> None:
        if result.status in ("mismatch", "invalid"):
            outbox.event(conn, self.clock, "evidence.problem", order_id=order_id, status=result.status,
                         detail=_detail(result))
        if not result.complete:
            return
        row = conn.execute("SELECT forwarded, manifest, kit_id FROM evidence_bundles WHERE order_id=?",
                           (order_id,)).fetchone()
        if row is None or row["forwarded"]:
            return
        manifest = json.loads(row["manifest"])
        media = []
        withheld = []
        for f in manifest.get("files", []):
            if not f.get("sealed"):
                media.append({"sha256": f["sha256"], "size": f.get("size"), "kind": f.get("kind", ""),
                              "content_type": _content_type(conn, f["sha256"])})
            elif self.media is not None and self.hub_sealing is not None and self.police_sealing is not None:
                copy = reseal_for_police(self.media, f, self.hub_sealing, self.police_sealing)
                media.append({"sha256": copy, "kind": f.get("kind", ""), "file_id": f["file_id"],
                              "content_type": "application/x-lockwarden-sealed", "sealed_for": "police",
                              "copy_of": f["sha256"]})
            else:
                withheld.append(f["file_id"])
        police_feed.emit(conn, "evidence.bundle", {
            "id": order_id, "order_id": order_id, "kit_id": row["kit_id"], "manifest": manifest,
            "manifest_sha256": result.manifest_sha256, "media": media, "sealed_withheld": withheld,
            "at_ms": self.clock.now_ms()},
            now_ms=self.clock.now_ms())
        conn.execute("UPDATE evidence_bundles SET forwarded=1 WHERE order_id=?", (order_id,))
        outbox.event(conn, self.clock, "evidence.complete", order_id=order_id)


def _content_type(conn: Conn, sha256: str) -> str:
    row = conn.execute("SELECT content_type FROM media_files WHERE sha256=? AND status='complete' LIMIT 1",
                       (sha256,)).fetchone()
    return str(row[0]) if row else "application/octet-stream"


def _detail(result: BundleCheck) -> str:
    return json.dumps({"missing_records": result.missing_records, "missing_files": result.missing_files,
                       "mismatched": [m.__dict__ for m in result.mismatched], "problems": result.problems},
                      ensure_ascii=False)
