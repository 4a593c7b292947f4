"""The kit's sync engine: drains the store to the hub in order and deletes only what the hub acknowledged.

- Records go in sequence order, at most `record_window` awaiting the hub's ack at once, so a long backlog
  never exceeds what the broker will queue for the hub (Mosquitto drops QoS 1 silently past its limits).
- Files go in capture order: `media.begin`, then the chunks the hub lacks (the hub answers every begin
  with the ranges it holds, so a transfer resumes from the first missing chunk after any break), each a
  chunk frame (protocol/frame.py), at most `chunk_window` chunks unacknowledged. The hub acknowledges a
  batch after its fsync and commit, so about two of its batches must be in flight to keep it busy while it
  writes: 16 x 1016 KiB (the 16 MiB per kit the broker's queue is sized for, docs/broker.md); 32 measured no
  faster here (bench/bench_media.py). On a slow link 16 MiB would take longer to drain than
  `resend_after_s`, and chunks still queued behind the others would be sent twice: the window also holds at
  most WINDOW_S seconds of what the hub acknowledged per second lately (at least MIN_WINDOW_BYTES), so a
  5 Mbit/s uplink has ~5 MiB in flight and a LAN the full window.
- Files are announced ahead of their turn: up to `files_ahead` (8) open files not yet wholly sent, at most
  `files_in_flight` (16; the hub allows a kit 32 unfinished) open in all. A file's chunks wait for the hub's
  answer to its `media.begin`, and a begin sent only when the previous file's chunks had all gone sat
  behind them in TCP's queue: over a 60 ms cellular link each 5 s video segment (one chunk, ~0.8 s of
  sending) then cost a round trip plus the hub's commit, ~0.2 s, of idle link (bench/bench_link.py). With
  begins sent ahead, the next file is answered before the link needs its bytes; chunks still go strictly
  in capture order within the one window.
- Each byte is hashed once on the kit: a file of one chunk (every 5 s segment, photo, template) is sent
  under the SHA-256 its store took at capture; a file of several chunks is hashed chunk by chunk as it is
  sent. A chunk sent again is hashed from the disk, so a copy that changed there since is found and set aside
  (`_corrupt`) instead of being refused by the hub forever (docs/mqtt.md section 7).
- Anything unacknowledged after `resend_after_s` is sent again; the hub is idempotent by message id. A chunk
  the hub answered a re-announce without holding was refused or lost, not queued: it goes again at once.
- Downlink must carry the pinned hub key's signature; anything else is refused and kept.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from edge.store import KitStore
from edge.store.kitstore import PendingFile
from protocol import topics
from protocol.envelope import Envelope, open_envelope, seal_envelope
from protocol.errors import Rejected
from protocol.frame import seal_frame
from protocol.messages.ack import HubAck, HubMediaAck, HubState
from protocol.messages.kit import KitState
from protocol.messages.media import MediaBegin
from protocol.storage import StorageTrouble, is_storage_problem
from protocol.transport.base import Inbound, NotConnected, Transport, Will

log = logging.getLogger(__name__)

SOFTWARE = "lockwarden-kit 0.1.0"


@dataclass(frozen=True)
class SyncSettings:
    record_window: int = 1000
    record_batch: int = 500
    chunk_window: int = 16
    files_in_flight: int = 16
    files_ahead: int = 8
    resend_after_s: float = 30.0
    stall_s: float = 5.0
    idle_wake_s: float = 1.0
    progress_every_s: float = 2.0  # the kit's copy of a file's progress is a hint (the hub's answer rules)
    heartbeat_s: float = 60.0  # the signed "online" state again, from this loop: the hub's proof of life


DownlinkHandler = Callable[[Envelope, msgspec.Struct], None]


WINDOW_S = 8.0  # seconds of acknowledged throughput a file may have in flight
MIN_WINDOW_BYTES = 4 * 1024 * 1024
RATE_SPAN_S = 5.0  # the throughput is measured over the acks of about this long


@dataclass
class _FileTx:
    pending: PendingFile
    have: set[int] = field(default_factory=set)
    sent: dict[int, float] = field(default_factory=dict)
    begun_at: float = 0.0
    answered: bool = False
    last_ack: float = 0.0
    stalled: bool = False
    acked: list[tuple[float, int]] = field(default_factory=list)  # (when, chunks held): recent media acks
    rate: float = 0.0  # bytes per second the hub acknowledged lately; 0: not measured yet
    recheck: bool = False  # the hub dropped chunks it held (they did not match): hash what is sent again

    def note_ack(self, now: float) -> None:
        self.acked.append((now, len(self.have)))
        while len(self.acked) > 2 and now - self.acked[1][0] >= RATE_SPAN_S:
            del self.acked[0]
        (t0, n0), (t1, n1) = self.acked[0], self.acked[-1]
        if t1 - t0 >= 0.05 and n1 > n0:
            self.rate = (n1 - n0) * self.pending.chunk_size / (t1 - t0)

    def window(self, most: int) -> int:
        """Chunks that may await the hub's ack: `most`, or fewer when acks come slowly."""
        size = max(1, self.pending.chunk_size)
        floor = max(1, MIN_WINDOW_BYTES // size)
        if self.rate <= 0:
            return min(most, floor)
        return max(1, min(most, max(floor, int(self.rate * WINDOW_S) // size)))


class SyncEngine:
    def __init__(self, store: KitStore, settings: SyncSettings | None = None) -> None:
        self.store = store
        self.settings = settings or SyncSettings()
        self.kit_id = store.identity.kit_id
        self.transport: Transport | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sent: dict[str, float] = {}  # record id -> monotonic time sent
        self._files: list[_FileTx] = []  # capture order; the first is the one being finished
        # The file being sent stays open on the sync thread (only that thread opens or closes it).
        self._reader: tuple[str, int] | None = None
        self._progress_saved = 0.0
        # Sending waits until the hub's retained state has been seen: before the hub's first connection
        # the broker has no subscription for kit topics and would drop what the kit sends.
        self._hub_seen = False
        self._last_heartbeat = store.clock.now_ms()  # on_connect announces; the next one is a period on
        self._connection_since = store.clock.now_ms()
        self._hub_since = 0
        self._heard = 0.0  # monotonic time of the hub's last media ack
        self._thread: threading.Thread | None = None
        self.handlers: dict[str, DownlinkHandler] = {}
        self.storage = StorageTrouble(f"kit {self.kit_id} sync", log)
        self.stats = {"records_sent": 0, "chunks_sent": 0, "begins_sent": 0, "acks": 0, "refused_downlink": 0,
                      "hashed_bytes": 0, "corrupt_files": 0}
        store.listeners.append(self._wake.set)

    # -- wiring ----------------------------------------------------------------------------------------
    def attach(self, transport: Transport) -> None:
        self.transport = transport
        transport.subscribe(f"{topics.TOPIC_ROOT}/kit/{self.kit_id}/down/#")
        transport.subscribe(topics.HUB_STATE.build())

    def on(self, type_name: str, handler: DownlinkHandler) -> None:
        self.handlers[type_name] = handler

    def start(self) -> None:
        assert self.transport is not None
        self._thread = threading.Thread(target=self._run, name=f"sync-{self.kit_id}", daemon=True)
        self._thread.start()
        self.transport.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self.transport is not None:
            self.transport.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
            if not self._thread.is_alive():
                self._close_reader()

    # -- presence ----------------------------------------------------------------------------------------
    def _state(self, status: str) -> bytes:
        """Birth and will of one connection carry the same `since` (when that connection started): the hub
        lets a will end the connection it belongs to, never a newer one whose birth it already has."""
        records, files = self.store.backlog()
        body = KitState(status=status, since=self._connection_since, software=SOFTWARE,  # type: ignore[arg-type]
                        backlog_records=records, backlog_files=files)
        env = seal_envelope(self.store.identity.key, sender=self.kit_id, seq=self.store.seq.next(),
                            ts=self.store.clock.now_ms(), type_name="kit.state", body=body)
        return env.to_wire()

    def will(self) -> Will:
        """Made by the transport just before each connection attempt."""
        self._connection_since = self.store.clock.now_ms()
        return Will(topics.KIT_STATE.build(kit_id=self.kit_id), self._state("offline"), retain=True)

    def on_connect(self, session_present: bool) -> None:
        try:
            assert self.transport is not None
            self.transport.publish(topics.KIT_STATE.build(kit_id=self.kit_id), self._state("online"), retain=True)
            self._last_heartbeat = self.store.clock.now_ms()
        except NotConnected:
            return
        with self._lock:
            for tx in self._files:
                tx.answered = False
                tx.begun_at = 0.0  # re-announce: the hub answers with what it holds
        self._wake.set()

    def on_disconnect(self) -> None:
        self._wake.set()

    def _heartbeat(self) -> None:
        """The connection's birth again, same `since`: a will (the broker saw the link drop) is one way the
        hub learns a kit is gone; silence past the hub's deadline (a kit frozen, its link half-open, this
        loop stuck) is the other. Sent from the sync loop, so a kit whose loop hangs falls silent."""
        now = self.store.clock.now_ms()  # the injected clock: the hub judges silence on the same time
        if now - self._last_heartbeat < self.settings.heartbeat_s * 1000:
            return
        assert self.transport is not None
        self._last_heartbeat = now
        self.transport.publish(topics.KIT_STATE.build(kit_id=self.kit_id), self._state("online"), retain=True)

    # -- the loop ----------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.settings.idle_wake_s)
            self._wake.clear()
            if self.transport is None or not self.transport.connected:
                continue
            try:
                self._heartbeat()
            except NotConnected:
                continue
            except Exception as exc:
                if not is_storage_problem(exc):
                    log.exception("heartbeat failed")
                else:
                    self.storage.failed(exc)
            if not self._hub_seen:
                continue
            try:
                self._pump_records()
                self._pump_file()
                self.storage.ok()
            except NotConnected:
                continue
            except Exception as exc:  # keep syncing whatever one bad row does; it is logged and retried
                if is_storage_problem(exc):
                    self._stop.wait(self.storage.failed(exc))  # signing needs a sequence number now and then
                    continue
                log.exception("sync pass failed")
                time.sleep(0.5)

    def _pump_records(self) -> None:
        assert self.transport is not None
        now = time.monotonic()
        with self._lock:
            in_flight = sum(1 for t in self._sent.values() if now - t < self.settings.resend_after_s)
        room = self.settings.record_window - in_flight
        if room <= 0:
            return
        for _seq, msg_id, topic, wire in self.store.pending_records(limit=min(room, self.settings.record_batch) + in_flight):
            with self._lock:
                sent = self._sent.get(msg_id)
                if sent is not None and now - sent < self.settings.resend_after_s:
                    continue
                self._sent[msg_id] = now
            self.transport.publish(topic, wire)
            self.stats["records_sent"] += 1
            room -= 1
            if room <= 0:
                self._wake.set()
                break

    def _pump_file(self) -> None:
        assert self.transport is not None
        now = time.monotonic()
        with self._lock:
            txs = list(self._files)
        if not txs:
            files = self.store.pending_files(limit=1)
            if not files:
                self._close_reader()
                return
            txs = [self._open_tx(files[0])]
        self._announce_next(txs, now)
        # One window for the link, whichever file has measured it (a file just opened has not yet).
        window = max(tx.window(self.settings.chunk_window) for tx in txs)
        room = window - sum(len(self._outstanding(tx, now)) for tx in txs)
        for tx in txs:
            room = self._pump_tx(tx, now, room)
        opened = self._announce_next(txs, now)  # small files' last chunks just went: announce the next ones now
        for tx in txs[len(txs) - opened:]:
            room = self._pump_tx(tx, now, room)

    def _announce_next(self, txs: list[_FileTx], now: float) -> int:
        """Open the following pending files while fewer than `files_ahead` open ones have chunks unsent (see
        the module doc); returns how many were opened."""
        room = min(self.settings.files_in_flight - len(txs),
                   self.settings.files_ahead - sum(1 for t in txs if not t.answered or self._unsent(t, now)))
        if room <= 0:
            return 0
        held = {t.pending.file_id for t in txs}
        following = [f for f in self.store.pending_files(limit=len(txs) + room) if f.file_id not in held][:room]
        for pending in following:
            txs.append(self._open_tx(pending))
        return len(following)

    def _open_tx(self, pending: PendingFile) -> _FileTx:
        tx = _FileTx(pending, have=_expand(pending.have))
        with self._lock:
            self._files.append(tx)
        return tx

    def _missing(self, tx: _FileTx) -> list[int]:
        return [i for i in range(tx.pending.chunks) if i not in tx.have]

    def _outstanding(self, tx: _FileTx, now: float) -> list[int]:
        return [i for i in self._missing(tx) if i in tx.sent and self._waiting(tx, tx.sent[i], now)]

    def _waiting(self, tx: _FileTx, sent: float, now: float) -> bool:
        """A chunk sent at `sent` still awaits its ack: younger than resend_after_s, or the file is stalled
        (nothing from the hub since): sending it again then only queues a second copy behind the first."""
        return tx.stalled or now - sent < self.settings.resend_after_s

    def _unsent(self, tx: _FileTx, now: float) -> bool:
        return len(self._outstanding(tx, now)) < len(self._missing(tx))

    def _pump_tx(self, tx: _FileTx, now: float, room: int) -> int:
        """Announce, re-announce after a stall, or send what the hub lacks of one file, within `room` chunks;
        returns the room left."""
        p = tx.pending
        if not tx.answered:
            # Again after 5 s without an answer, unless the hub is answering other files meanwhile: then the
            # begin is queued behind the chunks sent before it (files are announced ahead), not lost.
            quiet = min(5.0, self.settings.resend_after_s)
            if tx.begun_at == 0.0 or now - tx.begun_at >= (quiet if now - self._heard >= quiet
                                                            else self.settings.resend_after_s):
                self._send_begin(p)
                tx.begun_at = now
            return room
        if tx.sent and now - tx.last_ack > self.settings.stall_s:
            # No progress: the hub may have stored chunks whose ack was lost. Re-announce; its answer
            # lists what it holds. What it lacks is sent again once `resend_after_s` has passed, not at
            # once: a stall is mostly a link that went dark with those chunks still in TCP's queue, and
            # sending them again then puts each on the (metered) wire twice when the link returns.
            tx.stalled = True
            tx.answered = False
            tx.begun_at = 0.0
            tx.last_ack = now
            return room
        for index in self._missing(tx):
            if room <= 0:
                break
            sent = tx.sent.get(index)
            if sent is not None and self._waiting(tx, sent, now):
                continue
            if not tx.sent:  # a file answered ahead of its turn: the stall clock starts with its first chunk
                tx.last_ack = now
            if not self._send_chunk(tx, index, again=sent is not None):
                return room  # the kit's own copy is corrupt: set aside, nothing more of it is sent
            tx.sent[index] = now
            room -= 1
        return room

    def _send_begin(self, p: PendingFile) -> None:
        assert self.transport is not None
        self.stats["begins_sent"] += 1
        body = MediaBegin(file_id=p.file_id, kind=p.kind, content_type=p.content_type, size=p.size, sha256=p.sha256,
                          chunk_size=p.chunk_size, chunks=p.chunks, captured_at=p.captured_ms, order_id=p.order_id,
                          sealed=p.sealed, meta=p.meta)
        self._publish_media("media.begin", body)

    def _read_chunk(self, p: PendingFile, index: int) -> bytes:
        """`KitStore.read_chunk` without an open() per chunk: the file stays open while it is sent."""
        if self._reader is None or self._reader[0] != p.file_id:
            self._close_reader()
            self._reader = (p.file_id, os.open(p.path, os.O_RDONLY))
        return os.pread(self._reader[1], p.chunk_size, index * p.chunk_size)

    def _close_reader(self) -> None:
        if self._reader is not None:
            os.close(self._reader[1])
            self._reader = None

    def _send_chunk(self, tx: _FileTx, index: int, *, again: bool = False) -> bool:
        """Send one chunk (`again`: its first copy went unacknowledged); False if the kit's copy of the file
        turned out corrupt (then set aside)."""
        assert self.transport is not None
        p = tx.pending
        data = self._read_chunk(p, index)
        expected = min(p.chunk_size, p.size - index * p.chunk_size) if p.size else 0
        if len(data) != expected:
            self._corrupt(tx, f"chunk {index} reads {len(data)} bytes from the kit's disk, {expected} were stored")
            return False
        if p.chunks == 1 and not (tx.recheck or again):
            # The chunk is the whole file, whose SHA-256 the store took at capture: not hashed a second time.
            # Should the disk have changed it since, the hub finds the file's hash wrong and drops the chunk,
            # so the kit sends it again: that copy is hashed, found changed, and the file set aside.
            digest = p.sha256
        else:
            digest = hashlib.sha256(data).hexdigest()
            self.stats["hashed_bytes"] += len(data)
            if p.chunks == 1 and digest != p.sha256:
                # Sent once more as it now is, under its true hash: the hub then refuses the whole file (its
                # hash is not the one announced) rather than hold it open, against the kit's open-upload
                # limit, as an unfinished upload for days.
                self._publish_chunk(p, index, data, digest)
                self._corrupt(tx, f"its bytes no longer hash to the SHA-256 {p.sha256} taken at capture")
                return False
        self._publish_chunk(p, index, data, digest)
        return True

    def _publish_chunk(self, p: PendingFile, index: int, data: bytes, digest: str) -> None:
        assert self.transport is not None
        wire = seal_frame(self.store.identity.key, sender=self.kit_id, seq=self.store.seq.next(),
                          ts=self.store.clock.now_ms(), file_id=p.file_id, index=index, data=data, sha256=digest)
        self.transport.publish(topics.KIT_UP_MEDIA.build(kit_id=self.kit_id), wire)
        self.stats["chunks_sent"] += 1

    def _corrupt(self, tx: _FileTx, why: str) -> None:
        """The kit's own copy of a capture changed on its disk: sending it again would only be refused
        again. It is kept (marked refused, never deleted) and reported."""
        p = tx.pending
        detail = f"the kit's copy of {p.kind} {p.file_id} is corrupt: {why}"
        log.error("%s; kept for inspection, not sent again", detail)
        self._close_reader()
        self.store.mark_file(p.file_id, "refused", detail)
        self.stats["corrupt_files"] += 1
        with self._lock:
            self._files = [t for t in self._files if t.pending.file_id != p.file_id]

    def _publish_media(self, type_name: str, body: msgspec.Struct) -> None:
        assert self.transport is not None
        env = seal_envelope(self.store.identity.key, sender=self.kit_id, seq=self.store.seq.next(),
                            ts=self.store.clock.now_ms(), type_name=type_name, body=body)
        self.transport.publish(topics.KIT_UP_MEDIA.build(kit_id=self.kit_id), env.to_wire())

    # -- downlink ----------------------------------------------------------------------------------------
    def on_message(self, msg: Inbound) -> None:
        """Transport thread. Verify, act, then acknowledge the MQTT delivery."""
        ident = self.store.identity
        try:
            env, body = open_envelope(msg.payload, lambda s: ident.hub_verify if s == ident.hub_id else None,
                                      msg.topic)
        except Rejected as rej:
            self.store.refuse_downlink(msg.topic, rej.reason.value, rej.detail, msg.payload)
            self.stats["refused_downlink"] += 1
            msg.ack()
            return
        except Exception as exc:  # noqa: BLE001 - no downlink message may stop the kit's network thread
            log.exception("decoding a downlink message on %s failed", msg.topic)
            self.store.refuse_downlink(msg.topic, "processing_fault", repr(exc)[:500], msg.payload)
            self.stats["refused_downlink"] += 1
            msg.ack()
            return
        try:
            if isinstance(body, HubState | HubAck | HubMediaAck):
                try:
                    if isinstance(body, HubState):
                        self._on_hub_state(body)
                    elif isinstance(body, HubAck):
                        self._on_ack(body)
                    else:
                        self._on_media_ack(body)
                except Exception as exc:
                    if not is_storage_problem(exc):
                        raise
                    # The kit's disk refused to note the ack: what it acknowledged stays pending here, is sent
                    # again and acknowledged again (the hub answers duplicates), so taking the delivery is safe.
                    self.storage.failed(exc)
            else:
                handler = self.handlers.get(env.type)
                if handler is not None and self.store.remember_downlink(env.id, env.type, env.body):
                    handler(env, body)
                elif handler is None:
                    self.store.refuse_downlink(msg.topic, "unhandled_type", env.type, msg.payload)
        except Exception as exc:  # noqa: BLE001 - kept with the fault; the network thread goes on
            if is_storage_problem(exc):
                raise  # not taken: the broker delivers it again once the kit's store accepts writes
            log.exception("handling %s from the hub failed", env.type)
            self.store.refuse_downlink(msg.topic, "processing_fault", repr(exc)[:500], msg.payload)
        msg.ack()

    def _on_hub_state(self, state: HubState) -> None:
        """A hub that (re)started may have committed what it never acknowledged: ask again at once
        instead of waiting for the resend timer (the hub answers duplicates with acks)."""
        self._hub_seen = True
        if state.status == "online" and state.since != self._hub_since:
            self._hub_since = state.since
            with self._lock:
                self._sent.clear()
                for tx in self._files:
                    tx.answered = False
                    tx.begun_at = 0.0
                    tx.sent.clear()
        self._wake.set()

    def _on_ack(self, ack: HubAck) -> None:
        self.stats["acks"] += 1
        self.store.mark_records(list(ack.stored), "stored")
        self.store.mark_records(list(ack.quarantined), "refused", "quarantined at the hub")
        with self._lock:
            for i in (*ack.stored, *ack.quarantined):
                self._sent.pop(i, None)
        self._wake.set()

    def _on_media_ack(self, ack: HubMediaAck) -> None:
        self._heard = time.monotonic()
        with self._lock:
            tx = next((t for t in self._files if t.pending.file_id == ack.file_id), None)
        if ack.status in ("complete", "rejected"):
            state = "stored" if ack.status == "complete" else "refused"
            self.store.mark_file(ack.file_id, state, ack.detail)
            with self._lock:
                self._files = [t for t in self._files if t.pending.file_id != ack.file_id]
            self._wake.set()
            return
        if tx is None:
            return
        now = time.monotonic()
        have = _expand(ack.have)
        if tx.stalled:
            tx.stalled = False
            if have - tx.have:
                # The first word from the hub after a stall, and it holds more: what is still unacknowledged
                # most likely waits in TCP's queue behind this, so its resend clock starts now rather than
                # when the link went dark.
                for index in list(tx.sent):
                    tx.sent[index] = now
            else:
                # Nothing more held: this answers the re-announce, which travelled behind every chunk sent
                # before it (one client's messages on one topic keep their order). What it still lacks was
                # refused or lost on the way, not queued: send it now. (Waiting for resend_after_s never
                # came, as each stall restarted that clock.)
                refused = [i for i in tx.sent if i not in have]
                for index in refused:
                    del tx.sent[index]
                tx.recheck = tx.recheck or bool(refused)  # and hash what is read: the first copy may not have matched
        lost = tx.have - have
        if lost:
            # The hub dropped chunks it held: their bytes did not match the hash their frames signed (it
            # checks most chunks only through the file's hash). Send them now, hashing what is read.
            tx.recheck = True
            for index in lost:
                tx.sent.pop(index, None)
        tx.have = have
        tx.answered = True
        tx.last_ack = now
        tx.note_ack(now)
        self._wake.set()
        if now - self._progress_saved >= self.settings.progress_every_s:
            # A commit on the network thread per ack stalled reading; the saved ranges only spare a
            # restarted kit some re-announcing, so a few seconds stale costs nothing.
            self._progress_saved = now
            self.store.update_file_progress(ack.file_id, ack.have)

    # -- introspection -------------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        records, files = self.store.backlog()
        return {"kit_id": self.kit_id, "connected": bool(self.transport and self.transport.connected),
                "backlog_records": records, "backlog_files": files, **self.stats}


def _expand(ranges: list[list[int]]) -> set[int]:
    out: set[int] = set()
    for first, last in ranges:
        out.update(range(first, last + 1))
    return out
