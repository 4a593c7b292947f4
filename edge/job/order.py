"""The order as the kit needs it, read from the hub's order message body.

A tolerant adapter: it accepts the `job.order` body of `protocol.messages.job` plus the fields the on-site
job needs that the message may not carry yet (see docs/requests-onsite-job.md), under a few alternative
names. The service code never appears here in clear, only `code_hash`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from protocol.i18n import _


class OrderInvalid(ValueError):
    pass


@dataclass(frozen=True)
class PartyInfo:
    role: str  # witness | officer
    name: str
    id_number: str = ""
    badge_no: str = ""


@dataclass(frozen=True)
class OrderInfo:
    order_id: str
    locksmith_id: str
    site_address: str
    site_lat: float | None
    site_lon: float | None
    lock_type: str
    category: str
    code_hash: str
    customer_name: str = ""
    customer_mobile: str = ""
    customer_id_number: str = ""
    voucher: PartyInfo | None = None
    appointment_ms: int | None = None
    prepayment_fen: int = 0
    deposit_fen: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OrderInfo:
        v = data.get("voucher")
        return cls(**{**data, "voucher": PartyInfo(**v) if v else None})

    @classmethod
    def from_body(cls, body: dict[str, Any], *, default_locksmith: str = "") -> OrderInfo:
        def first(*names: str, default: Any = None) -> Any:
            for n in names:
                if body.get(n) not in (None, ""):
                    return body[n]
            return default

        order_id = first("order_id")
        if not order_id:
            raise OrderInvalid(_("The order has no order number"))
        voucher: PartyInfo | None = None
        for role in ("witness", "officer"):
            w = body.get(role)
            if isinstance(w, dict) and w.get("name"):
                voucher = PartyInfo(role=role, name=str(w["name"]), id_number=str(w.get("id_number", "")),
                                    badge_no=str(w.get("badge_no", "")))
        lat, lon = first("site_lat", "lat"), first("site_lon", "lon")
        return cls(
            order_id=str(order_id),
            locksmith_id=str(first("locksmith_id", default=default_locksmith)),
            site_address=str(first("site_address", "address", default="")),
            site_lat=float(lat) if lat is not None else None,
            site_lon=float(lon) if lon is not None else None,
            lock_type=str(first("lock_type", "lock_class", default="")),
            category=str(first("category", default="")),
            code_hash=str(first("code_hash", "service_code_hash", default="")),
            customer_name=str(first("customer_name", default="")),
            customer_mobile=str(first("customer_mobile", default="")),
            customer_id_number=str(first("customer_id_number", "customer_id_no", default="")),
            voucher=voucher,
            appointment_ms=first("appointment_ms"),
            prepayment_fen=int(first("prepayment_fen", default=0)),
            deposit_fen=int(first("deposit_fen", default=0)),
        )
