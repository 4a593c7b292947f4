"""The operator's ops client: every ops request over MQTT with a transaction id, answered on the
operator's own response topic. The console and `lockwarden ops --hub-dir` both use it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from lockwarden.clients.party import Party
from lockwarden.clients.upload import upload_photo
from protocol import topics
from protocol.ids import new_id
from protocol.keys import SigningKey
from protocol.messages.ops import OpsRequest
from protocol.settings import load_settings
from protocol.transport.paho_mqtt import LinkSettings


class OpsClient(Party):
    def __init__(self, operator_id: str, key: SigningKey, hub_verify_b64: str, link: LinkSettings, **kw: Any) -> None:
        super().__init__(operator_id, key, hub_verify_b64, link, up_topic=topics.OPS_REQ.build(operator_id=operator_id),
                         down_topics=[topics.OPS_RESP.build(operator_id=operator_id), topics.OPS_EVENTS.build()], **kw)

    def call(self, op: str, args: dict[str, Any], *, txn: str | None = None, timeout: float = 30.0) -> dict[str, Any]:
        txn = txn or new_id(self.clock.now_ms())
        self.send("ops.request", OpsRequest(txn=txn, op=op, args=args))
        got = self.wait_for(lambda r: r.env.type == "ops.response" and getattr(r.body, "txn", None) == txn, timeout)
        return dict(got.env.body)

    def upload_document(self, data: bytes, order_id: str, timeout: float = 30.0) -> str:
        """A photo scanned at the counter for a customer's order; its SHA-256 once the hub holds it."""
        return self.upload(data, kind="document", order_id=order_id, timeout=timeout)

    def upload(self, data: bytes, *, kind: str, order_id: str | None = None, timeout: float = 30.0) -> str:
        """A `registry` image for a filing, an `identity` photo for a hotline request, or a `document`."""
        return upload_photo(self, topics.OPS_MEDIA.build(operator_id=self.id), data, order_id=order_id, kind=kind,
                            timeout=timeout)


class OperatorSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`operator.toml`, written by `lockwarden provision-principal --role operator`.

    operator_id: the operator's id (signed sender and broker username). key_file / password_file: the
    operator's Ed25519 key and broker password, relative to this file. hub_id, hub_verify_key: the hub's
    name and pinned public key. host, port: the broker. tls_ca, tls_cert, tls_key: the CA and the
    operator's client certificate and key for the field listener (relative to this file), or None on the
    hub host's loopback listener."""

    operator_id: str
    key_file: str
    password_file: str
    hub_id: str = "hub"
    hub_verify_key: str
    host: str = "127.0.0.1"
    port: int = 1883
    tls_ca: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None


def open_ops_client(config: Path) -> OpsClient:
    s = load_settings(config, OperatorSettings)
    base = Path(config).parent
    key = SigningKey.from_b64((base / s.key_file).read_text())
    password = None if s.tls_cert else (base / s.password_file).read_text().strip()

    def rel(name: str | None) -> str | None:
        return str(base / name) if name else None

    # The broker makes the username the client id (one connection per account): a second console or a
    # script alongside needs an operator account of its own.
    link = LinkSettings(host=s.host, port=s.port, client_id=s.operator_id, username=s.operator_id,
                        password=password, tls_ca=rel(s.tls_ca), tls_cert=rel(s.tls_cert), tls_key=rel(s.tls_key))
    client = OpsClient(s.operator_id, key, s.hub_verify_key, link, hub_id=s.hub_id)
    client.start()
    return client
