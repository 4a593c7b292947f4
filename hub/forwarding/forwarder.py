"""The hub's durable police outbox: police_feed -> sealed police.record envelopes -> the police export.

- `pump()` seals new police_feed rows in feed order, once, into police_outbox with their chain seq and
  hash (hub/police/chain.py), in one transaction with nothing else: a crash leaves them sealed or not.
- `due()` returns what to publish now: from the first unacknowledged record, up to `window` records,
  each preceded by the chunks of its media the police do not hold yet, resending anything unacknowledged
  after `retry_ms`. The same bytes every time, so the export recognises a resend as a duplicate.
- `on_ack()` takes the export's signed police.ack: everything up to `upto_seq` is durably written there
  (and its head hash must equal ours at that seq, or forwarding stops loudly).
- When everything is acknowledged, `due()` adds a signed police.checkpoint of the head: the export puts it
  in its manifest, so the police can prove the export is exactly what the hub forwarded.
Transport-agnostic: the caller publishes the (topic, payload) pairs and feeds acks back.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from hub import police_feed
from hub.db import Conn, transaction
from hub.forwarding import store
from hub.forwarding.minimise import minimise
from hub.forwarding.police_images import ImageStore, add_sealed_images
from hub.forwarding.sealer import ChainSealer, wire
from hub.police.chain import GENESIS
from protocol.clock import Clock
from protocol.envelope import open_envelope
from protocol.errors import Rejected
from protocol.keys import SigningKey
from protocol.messages.police import MediaRef, PoliceAck
from protocol.topics import POLICE_MEDIA, POLICE_RECORDS

log = logging.getLogger(__name__)


IMAGES_PER_PUMP = 16  # request and filing images sealed per pump (police_images.py), so one tick stays short


class MediaSource(Protocol):
    def read(self, sha256: str) -> bytes: ...

    def has(self, sha256: str) -> bool: ...


class ForwardingDiverged(RuntimeError):
    """The export's chain differs from the hub's: a human must look (never silently continue)."""


def media_refs(body: dict[str, Any], media: MediaSource | None) -> list[MediaRef]:
    """A feed record names its media as `media: [{sha256, size?, content_type?, kind?} | sha256]`."""
    out: list[MediaRef] = []
    for item in body.get("media") or []:
        ref = {"sha256": item} if isinstance(item, str) else dict(item)
        sha = str(ref.get("sha256", ""))
        if len(sha) != 64:
            continue
        size = ref.get("size")
        if size is None and media is not None and media.has(sha):
            size = len(media.read(sha))
        out.append(MediaRef(sha256=sha, size=int(size or 0), content_type=str(ref.get("content_type") or
                                                                             "application/octet-stream"),
                            kind=str(ref.get("kind") or "")))
    return out


class Forwarder:
    def __init__(self, conn: Conn, key: SigningKey, clock: Clock, *, sender: str = "hub",
                 police_key: Ed25519PublicKey | None = None, media: MediaSource | None = None,
                 window: int = 200, retry_ms: int = 10_000, chunk_size: int = 256 * 1024,
                 police_sender: str = "police", police_sealing: X25519PublicKey | None = None) -> None:
        self.conn = conn
        # request ID images and filing images are sealed to this key as their records are (police_images.py)
        self.police_sealing = police_sealing
        self.images: ImageStore | None = media if hasattr(media, "put") else None  # type: ignore[assignment]
        self.key = key
        self.clock = clock
        self.sender = sender
        self.media = media
        self.police_key = police_key
        self.police_sender = police_sender
        self.window = window
        self.retry_ms = retry_ms
        self.chunk_size = chunk_size
        self._held_chunks: dict[str, set[int]] = {}

    # -- sealing ------------------------------------------------------------------------------------
    def pump(self, limit: int = 1000) -> int:
        with transaction(self.conn):
            last = store.head(self.conn)
            seq, head, feed_seq = (last.seq, last.hash, last.feed_seq) if last else (0, GENESIS, 0)
            rows = police_feed.since(self.conn, feed_seq, limit)
            sealer = ChainSealer(self.key, sender=self.sender, seq=seq, head=head)
            now = self.clock.now_ms()
            done, sealed = 0, 0
            for r in rows:
                if sealed >= IMAGES_PER_PUMP:
                    break  # sealing a phone photo takes ~30 ms under the hub's lock: the rest on the next tick
                body = add_sealed_images(r["kind"], minimise(json.loads(r["body_json"])), self.images,
                                         self.police_sealing)
                sealed += sum(1 for m in body.get("media") or [] if isinstance(m, dict) and "copy_of" in m)
                done += 1
                refs = media_refs(body, self.media)
                env = sealer.record(ts=max(now, int(r["created_ms"])), kind=r["kind"], entity_id=r["entity_id"],
                                    created_ms=int(r["created_ms"]), data=body, media=refs, feed_seq=int(r["seq"]))
                store.seal(self.conn, seq=sealer.seq, feed_seq=r["seq"], msg_id=env.id, kind=r["kind"],
                           wire=wire(env), chain_hash=sealer.head, media_json=msgspec.json.encode(refs).decode(),
                           now_ms=now)
            return done

    # -- sending ------------------------------------------------------------------------------------
    def due(self) -> list[tuple[str, bytes]]:
        if self.diverged():
            return []  # never paper over a diverging export: a human must look first
        now = self.clock.now_ms()
        out: list[tuple[str, bytes]] = []
        rows = store.unacked(self.conn, self.window)
        sent: list[int] = []
        for r in rows:
            if r["sent_ms"] is not None and now - int(r["sent_ms"]) < self.retry_ms:
                continue
            for ref in msgspec.json.decode(r["media_json"], type=list[MediaRef]):
                out.extend(self._media_messages(ref))
            out.append((POLICE_RECORDS.build(), bytes(r["wire"])))
            sent.append(int(r["seq"]))
        if sent:
            with transaction(self.conn):
                store.mark_sent(self.conn, sent, now)
        elif not rows:
            cp = self._checkpoint_due()
            if cp is not None:
                out.append(cp)
        return out

    def _media_messages(self, ref: MediaRef) -> list[tuple[str, bytes]]:
        if self.media is None or store.media_acked(self.conn, ref.sha256):
            return []
        if not self.media.has(ref.sha256):
            log.error("police forwarding: media %s is not in the hub's store", ref.sha256)
            return []
        sealer = ChainSealer(self.key, sender=self.sender)
        _ref, envs = sealer.media(self.media.read(ref.sha256), self.clock.now_ms(), content_type=ref.content_type,
                                  kind=ref.kind, chunk_size=self.chunk_size)
        held = self._held_chunks.get(ref.sha256, set())
        return [(POLICE_MEDIA.build(), wire(e)) for i, e in enumerate(envs) if i not in held]

    def _checkpoint_due(self) -> tuple[str, bytes] | None:
        last = store.head(self.conn)
        if last is None or self._state("police_checkpoint_seq") == str(last.seq):
            return None
        now = self.clock.now_ms()
        sent = self._state("checkpoint_sent")
        if sent and sent.startswith(f"{last.seq}@") and now - int(sent.split("@")[1]) < self.retry_ms:
            return None  # sent recently; resent until the export's ack shows it stored it
        sealer = ChainSealer(self.key, sender=self.sender, seq=last.seq, head=last.hash)
        env = sealer.checkpoint(now)
        with transaction(self.conn):
            self._set_state("checkpoint_sent", f"{last.seq}@{now}")
        return POLICE_RECORDS.build(), wire(env)

    # -- acknowledgements ---------------------------------------------------------------------------
    def on_ack(self, raw: bytes) -> int:
        """Verify a raw police.ack (with `police_key`) and apply it; returns the acknowledged seq."""
        if self.police_key is None:
            raise ValueError("no police key configured to check acknowledgements")
        try:
            _env, body = open_envelope(raw, self._key_for)
        except Rejected as exc:
            log.warning("police ack refused: %s", exc)
            return self.acked_seq()
        if not isinstance(body, PoliceAck):
            return self.acked_seq()
        return self.apply_ack(body)

    def apply_ack(self, body: PoliceAck) -> int:
        """Apply an ack whose signature was already checked (e.g. by the hub's ingest). A head that differs
        from ours stops forwarding (ForwardingDiverged, and `diverged()` until an operator clears it)."""
        now = self.clock.now_ms()
        if body.upto_seq > 0 and store.hash_at(self.conn, body.upto_seq) != body.head:
            detail = f"police export head at seq {body.upto_seq} differs from the hub's"
            with transaction(self.conn):
                self._set_state("diverged", detail)
            log.error("police forwarding stopped: %s", detail)
            raise ForwardingDiverged(detail)
        with transaction(self.conn):
            acked_media = store.ack(self.conn, body.upto_seq, now)
            shas = {m["sha256"] for refs in acked_media for m in refs} | set(body.media_complete)
            store.add_media_acked(self.conn, shas, now)
            self._set_state("police_checkpoint_seq", str(body.checkpoint_seq))
        self._held_chunks = {k: set(v) for k, v in body.media_chunks.items()}
        return body.upto_seq

    def diverged(self) -> str | None:
        return self._state("diverged")

    def _key_for(self, sender: str) -> Ed25519PublicKey | None:
        return self.police_key if sender == self.police_sender else None

    # -- status -------------------------------------------------------------------------------------
    def acked_seq(self) -> int:
        return store.acked_seq(self.conn)

    def backlog(self) -> int:
        return store.backlog(self.conn)

    def _max_seq(self) -> int:
        return store.max_seq(self.conn)

    def _state(self, k: str) -> str | None:
        return store.state(self.conn, k)

    def _set_state(self, k: str, v: str) -> None:
        store.set_state(self.conn, k, v)
