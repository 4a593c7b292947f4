"""The customer's app on the contract: request, decide, pay, abandon; receives locksmith identity,
order success and the one-time service code on `customer/{id}/down`."""

from __future__ import annotations

from typing import Any

from lockwarden.clients.party import Party, Received
from protocol import topics
from protocol.keys import SigningKey
from protocol.transport.paho_mqtt import LinkSettings


class CustomerApp(Party):
    def __init__(self, customer_id: str, key: SigningKey, hub_verify_b64: str, link: LinkSettings, **kw: Any) -> None:
        super().__init__(customer_id, key, hub_verify_b64, link, up_topic=topics.CUSTOMER_UP.build(customer_id=customer_id),
                         down_topics=[topics.CUSTOMER_DOWN.build(customer_id=customer_id)], **kw)

    def request(self, body: dict[str, Any]) -> Received:
        ref = self.send("customer.request", body)
        return self.wait_for(lambda r: r.env.type == "customer.request_result" and getattr(r.body, "ref", "") == ref)

    def next_of(self, type_name: str, order_id: str | None = None, timeout: float = 30.0,
                after: int = 0) -> Received:
        return self.wait_for(lambda r: r.env.type == type_name and r.env.seq > after
                             and (order_id is None or getattr(r.body, "order_id", None) == order_id), timeout)
