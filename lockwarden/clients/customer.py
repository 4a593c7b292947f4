"""The customer's app on the contract: request, decide, pay, abandon, send document photos (R-11);
receives locksmith identity, order success and the one-time service code on `customer/{id}/down`."""

from __future__ import annotations

from typing import Any

from lockwarden.clients.party import Party, Received
from lockwarden.clients.upload import upload_photo
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

    def upload_id_photo(self, data: bytes, timeout: float = 30.0) -> str:
        """An ID card photo (the customer's, the witness's) that a request will name; its SHA-256."""
        return upload_photo(self, topics.CUSTOMER_UP_MEDIA.build(customer_id=self.id), data, order_id=None,
                            kind="identity", timeout=timeout)

    def upload_document(self, data: bytes, order_id: str, timeout: float = 30.0) -> str:
        """Send one document photo for the customer's own order; its SHA-256 once the hub holds it."""
        return upload_photo(self, topics.CUSTOMER_UP_MEDIA.build(customer_id=self.id), data, order_id=order_id,
                            timeout=timeout)

    def submit_documents(self, order_id: str, photos: list[bytes], doc_types: list[str], *, holder_name: str = "",
                         holder_id_number: str = "") -> Received:
        """Upload the photos, then name them in a `customer.documents`; the hub's `customer.request_result`."""
        media = [self.upload_document(p, order_id) for p in photos]
        ref = self.send("customer.documents", {"order_id": order_id, "doc_types": doc_types, "media": media,
                                               "holder_name": holder_name, "holder_id_number": holder_id_number})
        return self.wait_for(lambda r: r.env.type == "customer.request_result" and getattr(r.body, "ref", "") == ref)
