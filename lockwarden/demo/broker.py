"""The demo's broker: our own Mosquitto on the shipped config when it is installed, else an embedded
amqtt broker (anonymous, no ACL: the demo says so, and the tests always use Mosquitto)."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

from hub.broker.config import BrokerFiles
from hub.broker.process import MosquittoProcess, free_port, mosquitto_binary, port_open


class DemoBroker:
    def __init__(self, broker_dir: Path, port: int | None = None) -> None:
        self.dir = broker_dir
        self.port = port or free_port()
        self.kind = ""
        self._mosquitto: MosquittoProcess | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        if mosquitto_binary() and os.environ.get("LOCKWARDEN_DEMO_BROKER", "") != "embedded":
            self._mosquitto = MosquittoProcess(BrokerFiles(self.dir), self.port)
            self._mosquitto.start()
            self.kind = "mosquitto"
        else:
            self._start_embedded()
            self.kind = "amqtt (embedded; ACL not enforced)"
        return self.kind

    def reload(self) -> None:
        if self._mosquitto is not None:
            self._mosquitto.reload()

    def _start_embedded(self) -> None:
        from amqtt.broker import Broker

        ready = threading.Event()
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}", "max_connections": 200}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        }

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            broker = Broker(config, loop=loop)
            loop.run_until_complete(broker.start())
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=serve, name="amqtt", daemon=True)
        self._thread.start()
        ready.wait(15)
        for _ in range(100):
            if port_open(self.port):
                return
            threading.Event().wait(0.05)

    def stop(self) -> None:
        if self._mosquitto is not None:
            self._mosquitto.stop()
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
