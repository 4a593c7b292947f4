"""Sealing police messages and keeping the hub's copy of the police chain (pure, no storage).

The forwarder and tests use the same code, so the head the hub signs in `police.checkpoint` is computed
exactly as the export computes it (hub/police/chain.py).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import Any

import msgspec

from hub.police.chain import GENESIS, entry_hash
from protocol.envelope import Envelope, seal_envelope
from protocol.keys import SigningKey
from protocol.messages.media import chunk_count
from protocol.messages.police import MediaRef, PoliceCheckpoint, PoliceMedia, PoliceRecord


class ChainSealer:
    def __init__(self, key: SigningKey, *, sender: str = "hub", seq: int = 0, head: str = GENESIS) -> None:
        self.key = key
        self.sender = sender
        self.seq = seq
        self.head = head

    def record(self, *, ts: int, kind: str, entity_id: str, created_ms: int, data: dict[str, Any],
               media: Sequence[MediaRef] = (), feed_seq: int = 0) -> Envelope:
        """Seal the next record and advance the chain."""
        seq = self.seq + 1
        body = PoliceRecord(seq=seq, feed_seq=feed_seq or seq, kind=kind, entity_id=entity_id,
                            created_ms=created_ms, data=data, media=list(media))
        env = seal_envelope(self.key, sender=self.sender, seq=seq, ts=ts, type_name="police.record", body=body)
        self.head = entry_hash(seq, self.head, env)
        self.seq = seq
        return env

    def checkpoint(self, ts: int) -> Envelope:
        return seal_envelope(self.key, sender=self.sender, seq=self.seq, ts=ts, type_name="police.checkpoint",
                             body=PoliceCheckpoint(seq=self.seq, head=self.head))

    def media(self, data: bytes, ts: int, *, content_type: str = "application/octet-stream", kind: str = "",
              chunk_size: int = 256 * 1024) -> tuple[MediaRef, list[Envelope]]:  # base64 in JSON: < 1 MiB
        sha = hashlib.sha256(data).hexdigest()
        n = chunk_count(len(data), chunk_size)
        envs = []
        for i in range(n):
            part = data[i * chunk_size:(i + 1) * chunk_size]
            body = PoliceMedia(sha256=sha, size=len(data), index=i, chunks=n, chunk_size=chunk_size,
                               chunk_sha256=hashlib.sha256(part).hexdigest(),
                               data=base64.b64encode(part).decode("ascii"))
            envs.append(seal_envelope(self.key, sender=self.sender, seq=i, ts=ts, type_name="police.media",
                                      body=body))
        return MediaRef(sha256=sha, size=len(data), content_type=content_type, kind=kind), envs


def wire(env: Envelope) -> bytes:
    return msgspec.json.encode(env)
