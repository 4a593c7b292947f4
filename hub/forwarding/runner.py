"""Wiring the forwarder to a transport (the lead's `protocol.transport` interface; no paho here).

`step()` seals new police_feed rows and publishes what is due; call it from the hub's loop (every few
hundred ms, and right after committing records). Acks arrive on `lw/v1/police/ack` through
`on_message`. One lock serialises both, since they share the database connection across threads.
"""

from __future__ import annotations

import logging
import threading

from hub.forwarding.forwarder import Forwarder
from protocol.topics import POLICE_ACK
from protocol.transport.base import Inbound, NotConnected, Transport

log = logging.getLogger(__name__)


class ForwardingLoop:
    def __init__(self, forwarder: Forwarder, transport: Transport) -> None:
        self.forwarder = forwarder
        self.transport = transport
        self._lock = threading.Lock()

    def subscribe(self) -> None:
        self.transport.subscribe(POLICE_ACK.build())

    def on_message(self, msg: Inbound) -> bool:
        """Handle a police ack; returns False for topics that are not ours (the hub routes them elsewhere)."""
        if msg.topic != POLICE_ACK.build():
            return False
        with self._lock:
            self.forwarder.on_ack(msg.payload)
        msg.ack()
        return True

    def step(self) -> int:
        with self._lock:
            self.forwarder.pump()
            if not self.transport.connected:
                return 0
            sent = 0
            for topic, payload in self.forwarder.due():
                try:
                    self.transport.publish(topic, payload)
                except NotConnected:
                    log.info("police forwarding paused: link down (resent after the retry interval)")
                    break
                sent += 1
            return sent
