"""Sealing the evidence bundle of one job from what the kit store holds for the order."""

from __future__ import annotations

from typing import Literal

from edge.job.video import segments
from edge.store import KitStore
from protocol.evidence import EvidenceManifest, FileEntry, RecordEntry, build_manifest


def manifest_for(store: KitStore, order_id: str, locksmith_id: str,
                 outcome: Literal["completed", "aborted"]) -> EvidenceManifest:
    """Every record and file the store holds for the order, signed with the kit key."""
    records = [RecordEntry(id=r.id, seq=r.seq, kind=r.kind, sha256=r.sha256, captured_ms=r.captured_ms)
               for r in store.records_for_order(order_id)]
    files = [FileEntry(file_id=f.file_id, kind=f.kind, size=f.size, sha256=f.sha256, plain_sha256=f.plain_sha256,
                       sealed=f.sealed, captured_ms=f.captured_ms)
             for f in store.files_for_order(order_id)]
    return build_manifest(order_id=order_id, kit_id=store.identity.kit_id, locksmith_id=locksmith_id,
                          outcome=outcome, sealed_ms=store.clock.now_ms(), records=records, files=files,
                          key=store.identity.key, video=[f.file_id for f in segments(store, order_id)])
