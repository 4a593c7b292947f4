"""A signed participant on the contract (operator console, customer app): sends envelopes signed with its
own key on its own topic, and accepts only what the pinned hub key signed."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from protocol import topics
from protocol.clock import Clock, SystemClock
from protocol.envelope import Envelope, open_envelope, seal_envelope
from protocol.errors import Rejected
from protocol.keys import SigningKey, load_verify_key
from protocol.transport.base import Inbound
from protocol.transport.paho_mqtt import LinkSettings, PahoTransport


@dataclass
class Received:
    topic: str
    env: Envelope
    body: msgspec.Struct


# Messages kept for waiters and readers. Beyond it the oldest half is dropped: a console open for weeks sees
# every ops event, and nothing waits for an answer thousands of messages old.
MAX_SEEN = 4000


class Party:
    def __init__(self, principal_id: str, key: SigningKey, hub_verify_b64: str, link: LinkSettings,
                 *, up_topic: str, down_topics: list[str], hub_id: str = "hub", clock: Clock | None = None,
                 seq_start: int | None = None) -> None:
        self.id = principal_id
        self.key = key
        self.hub_id = hub_id
        self.hub_key = load_verify_key(hub_verify_b64)
        self.clock = clock or SystemClock()
        self.up_topic = up_topic
        self._cond = threading.Condition()
        self.refused: deque[tuple[str, str]] = deque(maxlen=1000)  # the newest refusals, for inspection
        # A client without a store numbers from the microsecond it started, which never repeats. The hub
        # refuses a (sender, seq) pair used before, so two clients of one principal (a console and a CLI)
        # must not reach each other's numbers: by the millisecond, one started 50 ms after another was
        # overtaken by the first's 51st request and its answers never came (the console's periodic refresh
        # made that minutes). By the microsecond that is 50,000 requests apart. Still under 2**53.
        self._seq = int(time.time() * 1_000_000) if seq_start is None else seq_start
        self._lock = threading.Lock()
        self.transport = PahoTransport(link, on_message=self._on_message, manual_ack=False)
        for t in down_topics:
            self.transport.subscribe(t)
        # The hub's retained state says it has subscribed at least once; before that the broker has no
        # subscription for what we send and would drop it.
        self.transport.subscribe(topics.HUB_STATE.build())
        self.hub_seen = threading.Event()
        self.seen: list[Received] = []
        self._base = 0  # how many messages were dropped from the front of `seen`

    def start(self, timeout: float = 10.0) -> None:
        self.transport.start()
        if not self.transport.wait_connected(timeout):
            raise TimeoutError(f"{self.id}: broker not reachable")
        if not self.hub_seen.wait(timeout):
            raise TimeoutError(f"{self.id}: the hub has never been online on this broker")

    def stop(self) -> None:
        self.transport.stop()

    def next_seq(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    def send(self, type_name: str, body: msgspec.Struct | dict[str, Any], *, topic: str | None = None) -> str:
        env = seal_envelope(self.key, sender=self.id, seq=self.next_seq(), ts=self.clock.now_ms(), type_name=type_name,
                            body=body)
        self.transport.publish(topic or self.up_topic, env.to_wire())
        return env.id

    def publish_wire(self, topic: str, wire: bytes) -> None:
        self.transport.publish(topic, wire)

    def _on_message(self, msg: Inbound) -> None:
        try:
            env, body = open_envelope(msg.payload, lambda s: self.hub_key if s == self.hub_id else None, msg.topic)
        except Rejected as rej:
            self.refused.append((rej.reason.value, rej.detail[:500]))
            return
        except Exception as exc:  # noqa: BLE001 - a console or app keeps running whatever it is sent
            self.refused.append(("processing_fault", repr(exc)[:500]))
            return
        if env.type == "hub.state":
            self.hub_seen.set()
            return
        got = Received(msg.topic, env, body)
        with self._cond:
            self.seen.append(got)
            if len(self.seen) > MAX_SEEN:
                drop = len(self.seen) - MAX_SEEN // 2
                del self.seen[:drop]
                self._base += drop
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[Received], bool], timeout: float = 30.0) -> Received:
        """The first message (already seen or arriving) matching `predicate`. Several threads may wait at
        once: nothing is consumed, each waiter scans what arrived for its own answer."""
        deadline = time.monotonic() + timeout
        scanned = 0  # messages ever received that were checked, counting dropped ones
        with self._cond:
            while True:
                for r in self.seen[max(scanned - self._base, 0):]:
                    if predicate(r):
                        return r
                scanned = self._base + len(self.seen)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self.id}: no matching message")
                self._cond.wait(left)

    def events_since(self, mark: int) -> tuple[list[Received], int]:
        """Messages received after `mark` (0 at first; then the mark this returned), and the new mark."""
        with self._cond:
            return list(self.seen[max(mark - self._base, 0):]), self._base + len(self.seen)
