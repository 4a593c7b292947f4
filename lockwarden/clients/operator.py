"""The operator's ops client: every ops request over MQTT with a transaction id, answered on the
operator's own response topic. The console and `lockwarden ops --hub-dir` both use it."""

from __future__ import annotations

from typing import Any

from lockwarden.clients.party import Party
from protocol import topics
from protocol.ids import new_id
from protocol.keys import SigningKey
from protocol.messages.ops import OpsRequest
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
