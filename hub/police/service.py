"""The police export process, transport-agnostic: each inbound message is appended durably, then
acknowledged to the transport, then answered with a signed `police.ack` so the hub's forwarder knows
what it may stop resending. Cases are opened from what was appended."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path

import msgspec

from hub.police import acked
from hub.police.cases import CaseDesk
from hub.police.writer import AppendStatus, ExportWriter
from protocol.clock import Clock
from protocol.envelope import seal_envelope
from protocol.keys import SigningKey
from protocol.sdnotify import Notifier
from protocol.storage import StorageTrouble, is_storage_problem
from protocol.topics import POLICE_ACK
from protocol.transport.base import Inbound, NotConnected

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes], None]


class ExportService:
    """`on_message` handles one message synchronously. `start()` + `submit` instead queue messages for a
    worker that appends whatever has queued up as one batch (one fsync), then acknowledges each: the
    same guarantee, far higher throughput when the hub catches up after a break."""

    def __init__(self, writer: ExportWriter, *, ack_key: SigningKey, clock: Clock, publish: Publish,
                 cases: CaseDesk | None = None, sender: str = "police", batch_max: int = 500,
                 acked_path: Path | None = None) -> None:
        self.writer = writer
        self.ack_key = ack_key
        self.clock = clock
        self.publish = publish
        self.cases = cases
        self.sender = sender
        self.batch_max = batch_max
        # The police's own signed record of the latest ack, outside the export (hub/police/acked.py).
        self.acked_path = acked_path
        self._ack_seq = 0
        self._lock = threading.RLock()  # the worker and the transport's on-connect both send acks
        self._queue: queue.Queue[Inbound] = queue.Queue()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self.notifier = Notifier()
        self.storage = StorageTrouble("police export", log)

    def on_message(self, msg: Inbound) -> None:
        """Append, then acknowledge. Raises (and so never acknowledges) if the write failed."""
        self.handle_batch([msg])

    def handle_batch(self, batch: list[Inbound]) -> None:
        with self._lock:
            results = self.writer.append_many([m.payload for m in batch])
            for m in batch:
                m.ack()  # durable now: the broker may forget it
            if self.cases is not None and any(r.status is AppendStatus.APPENDED for r in results):
                self.cases.scan()
            self.send_ack()

    # -- queued mode ----------------------------------------------------------------------------------
    def submit(self, msg: Inbound) -> None:
        self._queue.put(msg)

    def start(self) -> None:
        self._stop.clear()
        self._worker = threading.Thread(target=self._run, name="police-export", daemon=True)
        self._worker.start()

    def stop(self) -> None:
        self._stop.set()
        if self._worker is not None:
            self._worker.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._alive()
            try:
                batch = [self._queue.get(timeout=0.2)]
            except queue.Empty:
                continue
            while len(batch) < self.batch_max:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            while not self._stop.is_set():
                self._alive()
                try:
                    self.handle_batch(batch)
                    self.storage.ok()
                    break
                except Exception as exc:
                    # Disk full, I/O error: nothing acknowledged and nothing half-written (the writer cuts
                    # a torn append back); retried, never skipped. The hub keeps resending meanwhile.
                    if is_storage_problem(exc):
                        delay = self.storage.failed(exc, held=len(batch))
                    else:
                        log.exception("police export: writing a batch failed; retrying")
                        delay = 1.0
                    self._stop.wait(delay)

    def _alive(self) -> None:
        self.notifier.ready("writing the police export")
        self.notifier.alive()

    def send_ack(self) -> None:
        with self._lock:
            now = self.clock.now_ms()
            self._ack_seq = max(now, self._ack_seq + 1)  # increasing across restarts without storage
            env = seal_envelope(self.ack_key, sender=self.sender, seq=self._ack_seq, ts=now,
                                type_name="police.ack", body=self.writer.ack_body())
            if self.acked_path is not None:
                try:
                    acked.save(self.acked_path, env)
                except OSError as exc:
                    # The record then lags (it only ever says less than the export holds, which verifies);
                    # refusing to acknowledge would stall the hub's forwarding over a side file.
                    log.error("police export: cannot update the acknowledgement record %s (%s)", self.acked_path, exc)
        try:
            self.publish(POLICE_ACK.build(), msgspec.json.encode(env))
        except NotConnected:
            log.info("police ack not sent (link down); the next message or reconnect sends it")
