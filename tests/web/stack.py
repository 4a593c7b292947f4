"""The customer web app's test stack: Mosquitto (the deployment fixture), the hub with its SMS sender and
payment webhook, the web gateway, and a simulated city (tests/hub/world.py) for the locksmith's side."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from hub.ingest.mediastore import MediaStore
from hub.notify import store as sms
from hub.service import HubApp, make_hub, wait_until
from lockwarden.customer_web import server
from lockwarden.customer_web.gateway import ensure_account
from lockwarden.customer_web.settings import WebSettings
from protocol.clock import FakeClock, SystemClock
from tests.hub.world import World
from tests.images import ID_PHOTO


@dataclass
class Stack:
    world: World
    hub: HubApp
    web: server.RunningWeb
    lid: str

    @property
    def url(self) -> str:
        return self.web.url.replace("127.0.0.1", "localhost")  # browsers keep Secure cookies for localhost

    def sms_code(self, mobile: str, nth: int = 1, timeout: float = 30) -> str:
        assert wait_until(lambda: len(sms.sandbox_inbox(self.world.conn, mobile)) >= nth, timeout), "no SMS"
        return re.findall(r"\b(\d{6})\b", sms.sandbox_inbox(self.world.conn, mobile)[nth - 1]["text"])[0]

    def order_of(self, customer_id: str) -> str | None:
        row = self.world.conn.execute("SELECT id FROM orders WHERE customer_id = ? ORDER BY created_ms DESC LIMIT 1",
                                      (customer_id,)).fetchone()
        return None if row is None else str(row[0])

    def accept_offer(self, order_id: str) -> None:
        assert wait_until(lambda: any(o["order_id"] == order_id for o in self.world.offers_to(self.lid)), 30)
        offer = [o for o in self.world.offers_to(self.lid) if o["order_id"] == order_id][-1]
        assert self.world.kit(self.world.kits[self.lid], "job.accept", {"offer_id": offer["offer_id"]})["ok"]

    def stop(self) -> None:
        self.web.stop()
        self.hub.stop()
        self.world.conn.close()


def start_stack(deployment: Any, **web: Any) -> Stack:
    home = deployment.home
    ensure_account(home)
    deployment.broker.reload()
    time.sleep(0.3)
    world = World(home.db_path(), FakeClock(SystemClock().now_ms()))
    lid = world.locksmith()
    MediaStore(home.media_path()).put(ID_PHOTO)  # the locksmith's filed photo, in the hub's media store
    hub = make_hub(home.dir)
    hub.start()
    assert wait_until(lambda: hub.transport is not None and hub.transport.connected, 20)
    app = server.build(home, WebSettings(**web), pay_origin=hub.plugins["payments"].url)
    running = server.start(app, host="127.0.0.1", port=0)  # the link retries while the broker rereads its files
    assert app.gateway.hub_seen.wait(20)
    return Stack(world, hub, running, lid)
