"""Running the customer web app: the gateway, the store and the HTTP server (uvicorn) together."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from hub.home import HubHome
from lockwarden.customer_web.app import CustomerWeb
from lockwarden.customer_web.gateway import Gateway, web_dir
from lockwarden.customer_web.settings import WebSettings
from lockwarden.customer_web.store import WebStore
from protocol.clock import Clock


@dataclass
class RunningWeb:
    web: CustomerWeb
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def url(self) -> str:
        s = self.server.servers[0].sockets[0].getsockname()
        return f"http://{s[0]}:{s[1]}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.web.gateway.stop()


def build(home: HubHome, settings: WebSettings, *, clock: Clock | None = None, broker_port: int | None = None,
          state_dir: Path | None = None, pay_origin: str = "") -> CustomerWeb:
    store = WebStore(state_dir or web_dir(home))
    gateway = Gateway(home, store, clock=clock, broker_port=broker_port)
    return CustomerWeb(gateway, store, settings, clock=clock, pay_origin=pay_origin)


def start(web: CustomerWeb, *, host: str, port: int) -> RunningWeb:
    """Serve in a thread (the demo and tests); `port` 0 picks a free one."""
    web.gateway.start()
    config = uvicorn.Config(web.asgi, host=host, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="customer-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise RuntimeError("customer-web did not start")
    return RunningWeb(web, server, thread)
