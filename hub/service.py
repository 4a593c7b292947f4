"""The hub service: inbound queue -> group-committed ingest -> acknowledgements -> signed replies.

`make_hub` is the one factory for the CLI (`lockwarden hub run`), the demo and the tests. Domain parts
(dispatch, orders, police forwarding) plug in through `ingest.on(type, handler)` and `tickers`.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from hub.db import OperationalError, Tx, describe, open_hub_db, rollback_quietly
from hub.home import HubHome
from hub.ingest.ingest import BatchResult, Ingest, Outgoing
from hub.ingest.mediastore import MediaStore
from hub.settings import HubSettings
from protocol import topics
from protocol.clock import Clock, SystemClock
from protocol.envelope import decode, seal_envelope, verify
from protocol.errors import Reason, Rejected
from protocol.i18n import set_language
from protocol.keys import SigningKey
from protocol.messages.ack import HubState
from protocol.progress import ProgressFile
from protocol.sdnotify import Notifier, waiting_for_storage
from protocol.seqblock import SeqAllocator
from protocol.storage import StorageTrouble, is_storage_problem, open_when_writable
from protocol.transport.base import Delivery, Inbound, NotConnected, Will
from protocol.transport.paho_mqtt import LinkSettings, PahoTransport

log = logging.getLogger(__name__)

TICK_S = 0.1  # timers, outboxes and forwarding run at most this often while batches keep coming
PROGRESS_FILE = "ingest-progress.json"  # read by `lockwarden hub status` (protocol/progress.py)
PROGRESS_EVERY_S = 1.0

SUBSCRIPTIONS = (
    topics.KIT_UP_RECORD.wildcard(), topics.KIT_UP_MEDIA.wildcard(), topics.KIT_UP_JOB.wildcard(),
    topics.KIT_STATE.wildcard(), topics.OPS_REQ.wildcard(), topics.OPS_MEDIA.wildcard(),
    topics.CUSTOMER_UP.wildcard(), topics.CUSTOMER_UP_MEDIA.wildcard(), topics.POLICE_ACK.wildcard(),
    topics.POLICE_DECISION.wildcard(),
)


@dataclass
class HubApp:
    home: HubHome
    settings: HubSettings
    clock: Clock
    key: SigningKey
    ingest: Ingest
    transport: PahoTransport | None = None
    tickers: list[Callable[[], list[Outgoing]]] = field(default_factory=list)
    _queue: queue.Queue[Inbound] = field(default_factory=queue.Queue)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _seq: SeqAllocator | None = None
    batches: int = 0
    _last_tick: float = 0.0
    plugins: dict[str, Any] = field(default_factory=dict)
    on_start: list[Callable[[], None]] = field(default_factory=list)  # plugins' own threads (notify sender)
    on_stop: list[Callable[[], None]] = field(default_factory=list)
    notifier: Notifier = field(default_factory=Notifier)
    storage: StorageTrouble = field(default_factory=lambda: StorageTrouble("hub ingest", log))
    tick_storage: StorageTrouble = field(default_factory=lambda: StorageTrouble("hub timers and outboxes", log))
    last_progress_ms: int | None = None
    first_progress_ms: int | None = None  # since this process started: the fault runs' recovery time
    started_ms: int = 0
    _progress: ProgressFile | None = None
    _progress_written: float = 0.0

    @property
    def conn(self):  # type: ignore[no-untyped-def]
        return self.ingest.conn

    # -- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> None:
        self._progress = ProgressFile(self.home.dir / PROGRESS_FILE)
        self.started_ms = self.clock.now_ms()
        self._thread = threading.Thread(target=self._run, name="hub-ingest", daemon=True)
        self._thread.start()
        for hook in self.on_start:
            hook()
        if self.transport is not None:
            self.transport.start()

    def stop(self) -> None:
        self._stop.set()
        if self.transport is not None:
            self.transport.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
        for hook in self.on_stop:
            hook()
        if self._progress is not None:
            self._progress.close()
        self.notifier.close()
        self.conn.close()

    def inbound(self, msg: Inbound) -> None:
        self._queue.put(msg)

    # -- signing and sending -------------------------------------------------------------------------------
    def sign(self, type_name: str, body: msgspec.Struct | dict[str, Any]) -> bytes:
        assert self._seq is not None
        now = self.clock.now_ms()
        with self._lock:
            seq = self._seq.next()
        return seal_envelope(self.key, sender=self.settings.hub_id, seq=seq, ts=now, type_name=type_name,
                             body=body).to_wire()

    def send(self, out: Outgoing) -> bool:
        return self.publish_wire(out.topic, self.sign(out.type, out.body), retain=out.retain) is not None

    def send_after_commit(self, out: Outgoing) -> bool:
        """A reply to what is already committed. Signing needs a sequence number, which now and then needs
        a write; on a full disk the reply is skipped (the kit asks again and gets the same answer from
        the stored state), never allowed to take the ingest loop down."""
        try:
            return self.send(out)
        except Exception as exc:
            if not is_storage_problem(exc):
                raise
            self.tick_storage.failed(exc)
            return False

    def publish_wire(self, topic: str, wire: bytes, *, retain: bool = False) -> Delivery | None:
        """None when the link is down: acks are re-derived when the kit resends; outboxes retry."""
        if self.transport is None:
            return None
        try:
            return self.transport.publish(topic, wire, retain=retain)
        except NotConnected:
            return None

    def on_connect(self, session_present: bool) -> None:
        self.send(Outgoing(topics.HUB_STATE.build(), "hub.state",
                           msgspec.to_builtins(HubState(status="online", since=self.clock.now_ms())), retain=True))

    def will(self) -> Will:
        return Will(topics.HUB_STATE.build(),
                    self.sign("hub.state", HubState(status="offline", since=self.clock.now_ms())), retain=True)

    # -- the worker -----------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            self._alive()
            try:
                first = self._queue.get(timeout=0.2)
            except queue.Empty:
                self._guarded(self._tick)
                continue
            batch = [first]
            while len(batch) < self.settings.batch_max:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._guarded(self.process, batch)
            if time.monotonic() - self._last_tick >= TICK_S:
                self._guarded(self._tick)

    def _guarded(self, work: Callable[..., object], *args: Any) -> None:
        """The loop outlives anything its work raises: a thread that died would leave the process up and
        systemd none the wiser. What was not acknowledged comes back from the broker."""
        try:
            work(*args)
        except Exception:
            if self._stop.is_set():
                return
            log.exception("hub ingest loop: unexpected failure; carrying on")
            self._stop.wait(0.5)

    def _alive(self) -> None:
        """Once per pass: tell systemd the loop turns, and leave a note for `hub status`."""
        self.notifier.ready("ingesting")
        self.notifier.alive()
        now = time.monotonic()
        if self._progress is not None and now - self._progress_written >= PROGRESS_EVERY_S:
            self._progress_written = now
            self._progress.write({
                "pid": os.getpid(), "started_ms": self.started_ms, "loop_ms": self.clock.now_ms(),
                "progress_ms": self.last_progress_ms, "first_progress_ms": self.first_progress_ms,
                "batches": self.batches, "queued": self._queue.qsize(),
                "storage": self.storage.reason or self.tick_storage.reason,
                "connected": bool(self.transport and self.transport.connected)})

    def process(self, batch: list[Inbound]) -> BatchResult:
        """Commit, then PUBACK, then reply.

        A storage failure (disk full, I/O error, database locked) leaves the batch unacknowledged and
        retries it until the store recovers: nothing is acknowledged that is not durable. Any other
        failure is a fault in handling some message; the batch is then split so one bad message cannot
        wedge every kit behind it, and a message that fails on its own is quarantined (kept with the
        error) and acknowledged."""
        while True:
            try:
                with self._lock:
                    result = self.ingest.process(batch)
                break
            except Exception as exc:
                if self._storage_wait(exc, len(batch)):
                    continue
                if len(batch) == 1:
                    try:
                        self._quarantine_fault(batch[0])
                    except Exception as qexc:
                        self._abandon_transaction()
                        if self._storage_wait(qexc, 1):
                            continue  # keep it unacknowledged until the quarantine row can be written
                        raise
                    batch[0].ack()
                    return BatchResult(quarantined=1)
                log.exception("ingest batch failed; processing its %d messages one by one", len(batch))
                merged = BatchResult()
                for msg in batch:
                    one = self.process([msg])
                    merged.outgoing.extend(one.outgoing)
                    merged.accepted.extend(one.accepted)
                    merged.quarantined += one.quarantined
                    merged.duplicates += one.duplicates
                return merged
        self.storage.ok()
        for msg in batch:
            msg.ack()
        for out in result.outgoing:
            self.send_after_commit(out)
        self.batches += 1
        self.last_progress_ms = self.clock.now_ms()
        if self.first_progress_ms is None:
            self.first_progress_ms = self.last_progress_ms
        return result

    def _abandon_transaction(self) -> None:
        """Work that failed half-way (a COMMIT the full disk refused) must not leave the shared connection
        inside a transaction: every later BEGIN would fail and the hub would be wedged for good."""
        with self._lock:
            rollback_quietly(self.conn)

    def _storage_wait(self, exc: BaseException, held: int) -> bool:
        """True when `exc` is the store refusing writes (disk full, read-only, I/O error, locked): the
        batch stays unacknowledged (the broker keeps it) and is tried again after backoff. Nothing is
        quarantined for it: no message is at fault. Raises when the hub is stopping."""
        if not (is_storage_problem(exc) or isinstance(exc, OperationalError)):
            return False
        if isinstance(exc, OperationalError) and not is_storage_problem(exc):
            log.warning("ingest batch failed on the database (%s); retrying", exc)
        delay = self.storage.failed(exc, held=held)
        self._alive()
        if self._stop.wait(delay):
            raise exc
        return True

    def _quarantine_fault(self, msg: Inbound) -> None:
        """Keep a message that made its handling fail (once; it is then acknowledged). Only a storage failure
        may escape (the caller retries); the reply to the kit is best effort."""
        detail = traceback.format_exc(limit=8)
        log.error("message on %s quarantined after a processing fault:\n%s", msg.topic, detail)
        with self._lock:
            rollback_quietly(self.conn)
            with Tx(self.conn):
                self.ingest.quarantine(msg.topic, None, Rejected(Reason.PROCESSING_FAULT, detail[-2000:]),
                                       msg.payload, self.clock.now_ms())
        # Tell the kit, when the message is provably its own, so it keeps it aside instead of resending.
        try:
            env = decode(msg.payload, msg.topic)
            verify(env, self.ingest.principals.key_for)
            parsed = topics.parse(msg.topic)
            if parsed is not None and parsed[1].get("kit_id") == env.sender and env.type not in ("media.chunk",):
                self.send(Outgoing(topics.KIT_DOWN_ACK.build(kit_id=env.sender), "hub.ack",
                                   {"stored": [], "quarantined": [env.id]}))
        except Rejected:
            return
        except Exception:  # noqa: BLE001 - the message is kept; a failed courtesy reply must not stop ingest
            log.exception("telling the sender of a faulting message failed")

    def _tick(self) -> None:
        self._last_tick = time.monotonic()
        refused = False
        for ticker in self.tickers:
            try:
                with self._lock:
                    outs = ticker()
                for out in outs:
                    self.send(out)
            except Exception as exc:
                self._abandon_transaction()
                if is_storage_problem(exc):
                    refused = True
                    self.tick_storage.failed(exc)  # logged once per episode; runs again next pass
                else:
                    log.exception("ticker failed")
        if not refused:
            self.tick_storage.ok()


def make_hub(hub_dir: Path, *, clock: Clock | None = None, connect: bool = True,
             broker_port: int | None = None, domain: bool = True) -> HubApp:
    home = HubHome(Path(hub_dir))
    settings = home.settings()
    clock = clock or SystemClock()
    conn = open_hub_db(home.database())
    ingest = Ingest(conn, MediaStore(home.media_path()), clock)
    app = HubApp(home=home, settings=settings, clock=clock, key=home.signing_key(), ingest=ingest)
    app._seq = SeqAllocator(conn, app._lock, table="hub_meta")

    def sweep_uploads() -> list[Outgoing]:
        ingest.sweep()  # stale unfinished uploads, at most once a minute
        return []

    app.tickers.append(sweep_uploads)
    if domain:
        from hub.forwarding.hub_plugin import PolicePlugin
        from hub.wiring import DomainWiring

        DomainWiring(conn, clock).install(app)
        from protocol.keys import load_sealing_public

        police = PolicePlugin(conn, clock, app.key, sender=settings.hub_id, media=ingest.media,
                              police_sealing=load_sealing_public(settings.police_sealing_key)
                              if settings.police_sealing_key else None)
        police.install(app)
        app.plugins["police"] = police
        from hub.notify.plugin import install as install_notify

        install_notify(app, clock)
        from hub.payments.plugin import install as install_payments

        install_payments(app, clock)
    if connect:
        b = settings.broker
        # The hub dials its own broker on the local address; `host` is the public name kits are given. The
        # broker makes the username the client id (use_username_as_clientid), so that is what resumes.
        link = LinkSettings(host=b.local_host, port=broker_port or b.port, client_id=b.username,
                            username=b.username, password=b.password, tls_ca=b.tls_ca)
        app.transport = PahoTransport(link, on_message=app.inbound, on_connect=app.on_connect,
                                      will_factory=app.will)
        for pattern in SUBSCRIPTIONS:
            app.transport.subscribe(pattern)
    return app


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll helper for the demo and tests (never used to assert on durations)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def run_hub(hub_dir: Path) -> int:
    """The hub process until SIGTERM (`lockwarden hub run`, `python -m hub.service --dir`)."""
    import signal

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        app = open_when_writable(lambda: make_hub(hub_dir), "hub: opening its database", log, stop=stop,
                                 on_wait=waiting_for_storage(Notifier()))
    except Exception:
        if stop.is_set():
            return 0
        raise
    set_language(app.settings.language)  # the hub process speaks its city's language to customers
    metrics = start_metrics(app)
    app.start()
    b = app.settings.broker
    log.info("hub %s started (lockwarden %s): database %s, broker %s:%d, metrics %s", app.settings.hub_id,
             _version(), describe(app.home.database()), b.host, b.port,
             "http://{}:{}/metrics".format(*metrics.address) if metrics else "off")
    try:
        stop.wait()
    finally:
        log.info("hub %s stopping", app.settings.hub_id)
        app.stop()
        if metrics is not None:
            metrics.stop()
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lockwarden")
    except PackageNotFoundError:  # a checkout on PYTHONPATH, not installed
        return "unknown"


def start_metrics(app: HubApp) -> Any:
    """The `/metrics` and `/healthz` endpoint of `[metrics]` in hub.toml, or None when no port is set."""
    m = app.settings.metrics
    if m.port is None:
        return None
    from hub.metrics.http import MetricsServer

    transport = app.transport
    server = MetricsServer(app.home.database(), bind=m.bind, port=m.port, clock=app.clock, version=_version(),
                           broker_connected=(lambda: transport.connected) if transport is not None else None)
    server.start()
    return server


if __name__ == "__main__":
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="hub.service")
    parser.add_argument("--dir", required=True, type=Path)
    logging.basicConfig(level=logging.WARNING)
    sys.exit(run_hub(parser.parse_args().dir))
