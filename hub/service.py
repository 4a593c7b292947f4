"""The hub service: inbound queue -> group-committed ingest -> acknowledgements -> signed replies.

`make_hub` is the one factory for the CLI (`lockwarden hub run`), the demo and the tests. Domain parts
(dispatch, orders, police forwarding) plug in through `ingest.on(type, handler)` and `tickers`.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from hub.db import open_hub_db
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
from protocol.seqblock import SeqAllocator
from protocol.transport.base import Delivery, Inbound, NotConnected, Will
from protocol.transport.paho_mqtt import LinkSettings, PahoTransport

log = logging.getLogger(__name__)

TICK_S = 0.1  # timers, outboxes and forwarding run at most this often while batches keep coming

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

    @property
    def conn(self):  # type: ignore[no-untyped-def]
        return self.ingest.conn

    # -- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> None:
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
            try:
                first = self._queue.get(timeout=0.2)
            except queue.Empty:
                self._tick()
                continue
            batch = [first]
            while len(batch) < self.settings.batch_max:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self.process(batch)
            if time.monotonic() - self._last_tick >= TICK_S:
                self._tick()

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
            except sqlite3.OperationalError:
                log.exception("ingest batch failed on storage; retrying")
                if self._stop.wait(1.0):
                    raise
            except Exception:
                if len(batch) == 1:
                    self._quarantine_fault(batch[0])
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
        for msg in batch:
            msg.ack()
        for out in result.outgoing:
            self.send(out)
        self.batches += 1
        return result

    def _quarantine_fault(self, msg: Inbound) -> None:
        detail = traceback.format_exc(limit=8)
        log.error("message on %s quarantined after a processing fault:\n%s", msg.topic, detail)
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            self.ingest.quarantine(msg.topic, None, Rejected(Reason.PROCESSING_FAULT, detail[-4000:]), msg.payload,
                                   self.clock.now_ms())
            self.conn.execute("COMMIT")
        # Tell the kit, when the message is provably its own, so it keeps it aside instead of resending.
        try:
            env = decode(msg.payload)
            verify(env, self.ingest.principals.key_for)
        except Rejected:
            return
        parsed = topics.parse(msg.topic)
        if parsed is not None and parsed[1].get("kit_id") == env.sender and env.type not in ("media.chunk",):
            self.send(Outgoing(topics.KIT_DOWN_ACK.build(kit_id=env.sender), "hub.ack",
                               {"stored": [], "quarantined": [env.id]}))

    def _tick(self) -> None:
        self._last_tick = time.monotonic()
        for ticker in self.tickers:
            try:
                with self._lock:
                    outs = ticker()
                for out in outs:
                    self.send(out)
            except Exception:
                log.exception("ticker failed")


def make_hub(hub_dir: Path, *, clock: Clock | None = None, connect: bool = True,
             broker_port: int | None = None, domain: bool = True) -> HubApp:
    home = HubHome(Path(hub_dir))
    settings = home.settings()
    clock = clock or SystemClock()
    conn = open_hub_db(home.db_path())
    ingest = Ingest(conn, MediaStore(home.media_path()), clock)
    app = HubApp(home=home, settings=settings, clock=clock, key=home.signing_key(), ingest=ingest)
    app._seq = SeqAllocator(conn, app._lock, table="hub_meta")
    if domain:
        from hub.forwarding.hub_plugin import PolicePlugin
        from hub.wiring import DomainWiring

        DomainWiring(conn, clock).install(app)
        police = PolicePlugin(conn, clock, app.key, sender=settings.hub_id, media=ingest.media)
        police.install(app)
        app.plugins["police"] = police
        from hub.notify.plugin import install as install_notify

        install_notify(app, clock)
        from hub.payments.plugin import install as install_payments

        install_payments(app, clock)
    if connect:
        b = settings.broker
        link = LinkSettings(host=b.host, port=broker_port or b.port, client_id=settings.hub_id,
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

    app = make_hub(hub_dir)
    set_language(app.settings.language)  # the hub process speaks its city's language to customers
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    app.start()
    try:
        stop.wait()
    finally:
        app.stop()
    return 0


if __name__ == "__main__":
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="hub.service")
    parser.add_argument("--dir", required=True, type=Path)
    logging.basicConfig(level=logging.WARNING)
    sys.exit(run_hub(parser.parse_args().dir))
