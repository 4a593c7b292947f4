"""The web app's link to the hub: one broker account (`web`, allowed only the customer topics), and for each
web customer (`web-<mobile>`) their own signing key, registered with the hub like any customer app's, so the
hub's rules (who may act on which order, field checks, payments) stay in the hub. Messages the hub sends to a
web customer are kept in the gateway's store, sealed, and feed the pages."""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from pathlib import Path
from typing import Any

import msgspec

from hub.broker.config import BrokerFiles, new_password
from hub.db import connect, transaction
from hub.home import HubHome
from hub.ingest.mediastore import MediaStore
from hub.ingest.principals import Principals
from hub.notify import code as notify_code
from hub.notify import store as notify_store
from lockwarden.clients.party import Party, Received
from lockwarden.clients.upload import upload_photo
from lockwarden.customer_web.store import WebStore
from protocol import topics
from protocol.clock import Clock, SystemClock
from protocol.envelope import open_envelope
from protocol.errors import Rejected
from protocol.keys import SigningKey, load_sealing_public, load_verify_key
from protocol.sealed import seal
from protocol.transport.base import Inbound
from protocol.transport.paho_mqtt import LinkSettings, PahoTransport

log = logging.getLogger(__name__)
ACCOUNT = "web"
KEPT_TYPES = ("customer.request_result", "customer.locksmith_card", "customer.payment_due", "customer.payment_created",
              "customer.order_success", "customer.order_status", "customer.locksmith_position")


def ensure_account(home: HubHome) -> str:
    """The gateway's broker account and ACL (once); the broker must reread its files afterwards (SIGHUP)."""
    path = home.keys / "web.broker_password"
    if not path.exists():
        from protocol.keys import write_private

        password = new_password()
        files = BrokerFiles(home.broker_dir)
        files.set_password(ACCOUNT, password)
        files.add_acl_block(ACCOUNT, f"user {ACCOUNT}\ntopic write lw/v1/customer/+/up\n"
                                     "topic write lw/v1/customer/+/up/media\ntopic read lw/v1/customer/+/down\n"
                                     "topic read lw/v1/hub/state")
        write_private(path, password)
    return path.read_text().strip()


class WebCustomer(Party):
    """A web customer as a contract party over the gateway's shared connection."""

    def __init__(self, customer_id: str, key: SigningKey, gateway: Gateway) -> None:  # noqa: D107
        self.id = customer_id
        self.key = key
        self.hub_id = gateway.hub_id
        self.hub_key = gateway.hub_key
        self.clock = gateway.clock
        self.up_topic = topics.CUSTOMER_UP.build(customer_id=customer_id)
        self._cond = threading.Condition()
        self.refused = deque(maxlen=1000)
        self._seq = gateway.clock.now_ms() * 1000  # above any earlier run's numbers
        self._lock = threading.Lock()
        self.transport = gateway.transport
        self.hub_seen = gateway.hub_seen
        self.seen = []
        self._base = 0

    def deliver(self, got: Received) -> None:
        with self._cond:
            self.seen.append(got)
            if len(self.seen) > 500:
                del self.seen[:250]
                self._base += 250
            self._cond.notify_all()

    def ask(self, type_name: str, body: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send and wait for the hub's `customer.request_result` for it."""
        ref = self.send(type_name, body)
        got = self.wait_for(lambda r: r.env.type == "customer.request_result" and r.env.body.get("ref") == ref, timeout)
        return dict(got.env.body)

    def upload_id_photo(self, data: bytes, timeout: float) -> str:
        return upload_photo(self, topics.CUSTOMER_UP_MEDIA.build(customer_id=self.id), data, order_id=None,
                            kind="identity", timeout=timeout)

    def upload_document(self, data: bytes, order_id: str, timeout: float) -> str:
        return upload_photo(self, topics.CUSTOMER_UP_MEDIA.build(customer_id=self.id), data, order_id=order_id,
                            timeout=timeout)


class Gateway:
    def __init__(self, home: HubHome, store: WebStore, *, clock: Clock | None = None,
                 broker_port: int | None = None) -> None:
        self.home = home
        self.store = store
        self.clock = clock or SystemClock()
        settings = home.settings()
        self.hub_id = settings.hub_id
        self.hub_key = load_verify_key(home.signing_public())
        self.hub_seen = threading.Event()
        self.hub_conn = connect(home.database())
        self.media = MediaStore(home.media_path())
        self._hub_lock = threading.Lock()
        self.customers: dict[str, WebCustomer] = {}
        self._customers_lock = threading.Lock()
        b = settings.broker
        link = LinkSettings(host=b.host, port=broker_port or b.port, client_id="customer-web", username=ACCOUNT,
                            password=ensure_account(home), tls_ca=b.tls_ca)
        self.transport = PahoTransport(link, on_message=self._on_message, manual_ack=False)
        self.transport.subscribe(topics.CUSTOMER_DOWN.wildcard())
        self.transport.subscribe(topics.HUB_STATE.build())

    def start(self, timeout: float = 20.0) -> None:
        self.transport.start()
        if not self.transport.wait_connected(timeout):
            raise TimeoutError("customer-web: broker not reachable")

    def stop(self) -> None:
        self.transport.stop()
        self.hub_conn.close()

    # -- customers ------------------------------------------------------------------------------------
    def customer(self, mobile: str) -> WebCustomer:
        """The web customer of this mobile number, registered with the hub on first login."""
        row = self.store.customer(mobile)
        if row is None:
            key = SigningKey.generate()
            customer_id = f"web-{mobile}"
            with self._hub_lock, transaction(self.hub_conn):
                Principals(self.hub_conn).register(customer_id, "customer", key.public_b64(), self.clock.now_ms())
            self.store.add_customer(customer_id, mobile, key.to_b64(), self.clock.now_ms())
            row = self.store.customer(mobile)
            assert row is not None
        return self.party(row["customer_id"])

    def party(self, customer_id: str) -> WebCustomer:
        with self._customers_lock:
            got = self.customers.get(customer_id)
            if got is None:
                row = self.store.customer_by_id(customer_id)
                if row is None:
                    raise KeyError(customer_id)
                got = WebCustomer(customer_id, SigningKey.from_b64(row["signing_key"]), self)
                self.customers[customer_id] = got
            return got

    # -- the hub's side of things the app needs ------------------------------------------------------------
    def send_login_code(self, mobile: str, code: str) -> int:
        """The SMS login code goes through the hub's notification outbox (gateway in hub.toml), sealed to the
        hub's key like a service code."""
        with self._hub_lock, transaction(self.hub_conn):
            public = notify_store.key(self.hub_conn, notify_code.VAULT_KEY)
            if public is None:
                raise RuntimeError("the hub has not started its notification sender (no code vault key)")
            sealed = seal(json.dumps({"code": code}).encode(), load_sealing_public(public), notify_code.aad(""))
            return notify_store.queue(self.hub_conn, self.clock, to=mobile, template_name="login_code", params={},
                                      sealed=sealed, purpose="login_code", actor=f"web:{mobile[:3]}****")

    def documents_due_ms(self, order_id: str) -> int | None:
        """R-11: documents are due 3 days (the hub's `documents_ttl_s`) after the order formed."""
        from hub.dispatch.settings import load
        from hub.orders.store import order_row
        from hub.registry.errors import NotFound

        with self._hub_lock:
            try:
                formed_ms = order_row(self.hub_conn, order_id).formed_ms
            except NotFound:
                return None
            ttl = load(self.hub_conn).documents_ttl_s
        return None if formed_ms is None else formed_ms + ttl * 1000

    def photo(self, sha256: str) -> bytes | None:
        return self.media.read(sha256) if self.media.has(sha256) else None

    # -- inbound ------------------------------------------------------------------------------------------
    def _on_message(self, msg: Inbound) -> None:
        try:
            env, body = open_envelope(msg.payload, lambda s: self.hub_key if s == self.hub_id else None)
        except Rejected as rej:
            log.warning("customer-web: refused a message on %s: %s", msg.topic, rej.reason.value)
            return
        if env.type == "hub.state":
            self.hub_seen.set()
            return
        parsed = topics.parse(msg.topic)
        if parsed is None or "customer_id" not in parsed[1]:
            return
        customer_id = parsed[1]["customer_id"]
        if self.store.customer_by_id(customer_id) is None:
            return  # another app's customer: not ours to read
        if env.type in KEPT_TYPES:
            data = msgspec.to_builtins(body)
            self.store.keep(customer_id, data.get("order_id"), env.type, env.id, data, self.clock.now_ms())
        self.party(customer_id).deliver(Received(msg.topic, env, body))


def web_dir(home: HubHome) -> Path:
    return home.dir / "customer-web"
