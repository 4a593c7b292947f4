"""The police export process, transport-agnostic: each inbound message is appended durably, then
acknowledged to the transport, then answered with a signed `police.ack` so the hub's forwarder knows
what it may stop resending. Cases are opened from what was appended."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import msgspec

from hub.police.cases import CaseDesk
from hub.police.writer import AppendStatus, ExportWriter
from protocol.clock import Clock
from protocol.envelope import seal_envelope
from protocol.keys import SigningKey
from protocol.topics import POLICE_ACK
from protocol.transport.base import Inbound, NotConnected

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes], None]


class ExportService:
    def __init__(self, writer: ExportWriter, *, ack_key: SigningKey, clock: Clock, publish: Publish,
                 cases: CaseDesk | None = None, sender: str = "police") -> None:
        self.writer = writer
        self.ack_key = ack_key
        self.clock = clock
        self.publish = publish
        self.cases = cases
        self.sender = sender
        self._ack_seq = 0
        self._lock = threading.Lock()

    def on_message(self, msg: Inbound) -> None:
        """Called on the transport's thread. Raises (and so never acknowledges) if the write failed."""
        with self._lock:
            results = self.writer.append_many([msg.payload])
            msg.ack()  # durable now: the broker may forget it
            if self.cases is not None and any(r.status is AppendStatus.APPENDED for r in results):
                self.cases.scan()
            self.send_ack()

    def send_ack(self) -> None:
        now = self.clock.now_ms()
        self._ack_seq = max(now, self._ack_seq + 1)  # increasing across restarts without storage
        env = seal_envelope(self.ack_key, sender=self.sender, seq=self._ack_seq, ts=now, type_name="police.ack",
                            body=self.writer.ack_body())
        try:
            self.publish(POLICE_ACK.build(), msgspec.json.encode(env))
        except NotConnected:
            log.info("police ack not sent (link down); the next message or reconnect sends it")
