"""Plugging the police side of the hub into the hub service (`hub/service.py`'s HubApp):

    PolicePlugin(app.conn, app.clock, app.key, sender=app.settings.hub_id, media=app.ingest.media).install(app)

- `police.ack` arrives through the hub's ingest (which checks its signature against principal `police`,
  provisioned with `lockwarden provision-principal --role police`) and is applied to the outbox.
- A ticker seals new police_feed rows and publishes what is due, pre-signed, with `app.publish_wire`.
  (Follow-up tasks and risk sweeps are the domain's periodic jobs: hub/domain.py PERIODIC.)
"""

from __future__ import annotations

import logging
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from hub.db import Conn
from hub.forwarding.forwarder import Forwarder, ForwardingDiverged, MediaSource
from protocol.clock import Clock
from protocol.keys import SigningKey
from protocol.messages.police import PoliceAck

log = logging.getLogger(__name__)


class PolicePlugin:
    def __init__(self, conn: Conn, clock: Clock, key: SigningKey, *, sender: str = "hub",
                 media: MediaSource | None = None, retry_ms: int = 10_000,
                 police_sealing: X25519PublicKey | None = None) -> None:
        self.clock = clock
        self.conn = conn
        self.forwarder = Forwarder(conn, key, clock, sender=sender, media=media, retry_ms=retry_ms,
                                   police_sealing=police_sealing)
        self.app: Any = None

    def install(self, app: Any) -> None:
        self.app = app
        app.ingest.on("police.ack", self.on_ack)
        app.tickers.append(self.tick)

    def on_ack(self, conn: Conn, acc: Any) -> list[Any]:
        if isinstance(acc.body, PoliceAck):
            try:
                self.forwarder.apply_ack(acc.body)
            except ForwardingDiverged:
                pass  # recorded and logged by the forwarder; raising would wedge the ingest batch
        return []

    def tick(self) -> list[Any]:
        self.forwarder.pump()
        for topic, wire in self.forwarder.due():
            if self.app is None or self.app.publish_wire(topic, wire) is None:
                break  # link down: what was marked sent is resent after retry_ms
        return []

    def status(self) -> dict[str, Any]:
        """For the operator console: forwarding backlog and health."""
        return {"acked_seq": self.forwarder.acked_seq(), "backlog": self.forwarder.backlog(),
                "diverged": self.forwarder.diverged()}
