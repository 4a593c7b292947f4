"""The police export on MQTT: a persistent session (clean_session=False), QoS 1, manual acknowledgement
(the transport acks a message only when ExportService.on_message returns, i.e. after the durable
write). The only module of hub.police that knows about the broker."""

from __future__ import annotations

import time
from dataclasses import dataclass

from hub.police.service import ExportService
from protocol.topics import POLICE_MEDIA, POLICE_RECORDS
from protocol.transport.base import Inbound
from protocol.transport.paho_mqtt import LinkSettings, PahoTransport


@dataclass(frozen=True)
class PoliceLink:
    host: str = "127.0.0.1"
    port: int = 1883
    client_id: str | None = None  # None: the username, which the broker makes the client id anyway
    username: str | None = None
    password: str | None = None
    tls_ca: str | None = None
    tls_cert: str | None = None  # the client certificate and key for the field listener
    tls_key: str | None = None


class PoliceExportAdapter:
    def __init__(self, link: PoliceLink) -> None:
        self.link = link
        self.service: ExportService | None = None
        self.transport = PahoTransport(
            LinkSettings(host=link.host, port=link.port, client_id=link.client_id or link.username or "police",
                         username=link.username, password=link.password, tls_ca=link.tls_ca,
                         tls_cert=link.tls_cert, tls_key=link.tls_key),
            on_message=self._on_message, on_connect=self._on_connect, manual_ack=True,
        )

    def publish(self, topic: str, payload: bytes) -> None:
        self.transport.publish(topic, payload)

    def publish_confirmed(self, topic: str, payload: bytes, timeout: float) -> bool:
        """Publish and wait for the broker's PUBACK (a case notification is retried until it has one)."""
        delivery = self.transport.publish(topic, payload)
        deadline = time.monotonic() + timeout
        while not delivery.is_published():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def start(self, service: ExportService) -> None:
        self.service = service
        service.start()
        self.transport.subscribe(POLICE_RECORDS.build())
        self.transport.subscribe(POLICE_MEDIA.build())
        self.transport.start()

    def stop(self) -> None:
        self.transport.stop()
        if self.service is not None:
            self.service.stop()

    def _on_message(self, msg: Inbound) -> None:
        assert self.service is not None
        self.service.submit(msg)  # acknowledged by the service's worker after the durable write

    def _on_connect(self, session_present: bool) -> None:
        if self.service is not None:
            self.service.send_ack()  # tells the hub where to resume after any break
