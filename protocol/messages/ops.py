"""Operator requests and responses (request topic with a transaction id, response topic).

One envelope type carries every operator action: `ops.request` with `op` and `args`; `ops.response`
answers with the same `txn`. The argument body of each op is a Struct in `OPS` below, so the console,
the CLI and the hub agree on every field. The operator's identity is the envelope's signed sender.
"""

from __future__ import annotations

from typing import Any

import msgspec

from protocol.messages.customer import UnlockRequest
from protocol.registry import message

_SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


class FieldError(msgspec.Struct, frozen=True):
    field: str
    message: str


@message("ops.request", sender="operator", summary="An operator action: `op` names it, `args` is its body.",
         example=lambda: OpsRequest(txn="01JGZ0000000000000000000AD", op="order.cancel",
                                    args={"order_id": "01JGZ0000000000000000000AA", "reason": "duplicate"}))
class OpsRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    txn: str
    op: str
    args: dict[str, Any]


@message("ops.response", sender="hub", summary="The answer to one ops.request, matched by `txn`.",
         example=lambda: OpsResponse(txn="01JGZ0000000000000000000AD", ok=True, result={"state": "cancelled"}))
class OpsResponse(msgspec.Struct, frozen=True):
    txn: str
    ok: bool
    result: Any = None
    code: str = ""
    error: str = ""
    errors: list[FieldError] = msgspec.field(default_factory=list)


class ServiceArea(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A circle: the locksmith works within radius_km of (lat, lon), WGS-84."""

    lat: float
    lon: float
    radius_km: float


class OperatorAdd(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    name: str
    role: str = "operator"


class UnitFiling(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    address: str
    uscc: str
    legal_rep_name: str
    legal_rep_id: str
    filing_receipt_no: str
    filing_receipt_sha256: str | None = None
    status: str = "operating"
    id: str | None = None


class StatusChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    status: str
    reason: str


class LocksmithFiling(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    gender: str
    ethnicity: str
    resident_id: str
    id_image_sha256: str
    cert_no: str
    cert_image_sha256: str
    grade: str
    photo_sha256: str
    mobile: str
    unit_id: str
    area: ServiceArea
    scope: dict[str, list[str]]  # lock class -> actions
    equipment: list[str] = msgspec.field(default_factory=list)
    filing_receipt_no: str = ""
    filing_receipt_sha256: str | None = None
    status: str = "on_duty"
    id: str | None = None


class KitLink(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    locksmith_id: str
    kit_id: str
    unlink: bool = False


class FingerprintEnroll(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    locksmith_id: str
    finger: str
    template_sha256: str
    kit_id: str


class EntityRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str


class OrderRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str
    reason: str = ""


class OrderDecision(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str
    accept: bool
    reason: str = ""


class OrderPayment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str
    amount_fen: int
    external_ref: str
    provider: str = "manual"


class HotlineRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    customer_id: str
    request: UnlockRequest


class OrderList(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    state: str | None = None
    limit: int = 100


class CsvImport(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: str  # units | locksmiths
    csv_text: str


class CsvExport(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: str


class Rating(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str
    stars: int


class SettingSet(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    key: str
    value: str


class AccountRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    account: str


class Refund(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    customer_id: str
    provider: str = "manual"
    amount_fen: int | None = None  # default: all the customer has at the hub (or what is left of payment_id)
    receipt: str = ""  # manual provider: the receipt number of the cash or counter refund
    payment_id: int | None = None  # the payment being returned (ledger.refunds_due); required except for manual
    reason: str = ""


class RefundsDue(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    customer_id: str | None = None


class Empty(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


# op name -> (argument body, one-line purpose). The hub's dispatcher and `lockwarden ops` use this table.
OPS: dict[str, tuple[type[msgspec.Struct], str]] = {
    "operator.add": (OperatorAdd, "Register an operator identity"),
    "unit.file": (UnitFiling, "File a unit (R-1) or update its filing"),
    "unit.status": (StatusChange, "Change a unit's status: operating, suspended, closed, changed"),
    "unit.show": (EntityRef, "Show a unit with its status history"),
    "locksmith.file": (LocksmithFiling, "File a locksmith (R-2) or update the filing"),
    "locksmith.status": (StatusChange, "Change a locksmith's status: on_duty, left"),
    "locksmith.show": (EntityRef, "Show a locksmith with kits, fingerprints, scope and history"),
    "locksmith.link_kit": (KitLink, "Link (or unlink) a kit to a locksmith"),
    "locksmith.fingerprint": (FingerprintEnroll, "Record a fingerprint template enrolled on a kit"),
    "registry.import": (CsvImport, "Import units or locksmiths from CSV, all or nothing"),
    "registry.export": (CsvExport, "Export units or locksmiths as CSV"),
    "order.create": (HotlineRequest, "Key in a hotline unlock request (R-3)"),
    "order.decide": (OrderDecision, "Record the customer's accept/reject of the offered locksmith (R-6)"),
    "order.pay": (OrderPayment, "Record prepayment plus deposit received (manual provider: cash/counter)"),
    "order.cancel": (OrderRef, "Cancel or abandon an order (R-7) on the customer's behalf"),
    "order.redispatch": (OrderRef, "Send an unassigned order back to dispatch"),
    "order.documents_verified": (OrderRef, "Documents checked: release the deposit (R-11)"),
    "order.dispute": (OrderRef, "Freeze the order's escrow pending the police"),
    "order.rate": (Rating, "Record the customer's rating from the follow-up (R-13)"),
    "order.show": (OrderRef, "Show an order, its transitions, offers and holds"),
    "order.list": (OrderList, "List orders, optionally by state"),
    "ledger.balance": (AccountRef, "The derived balance of a ledger account"),
    "ledger.check": (Empty, "Check the ledger: every transfer balanced, totals zero"),
    "ledger.refund": (Refund, "Refund a customer's money at the hub through a payment provider (manual: the counter "
                              "refund's receipt)"),
    "ledger.refunds_due": (RefundsDue, "Customers with money at the hub to refund, and the payments it came from"),
    "settings.set": (SettingSet, "Change a dispatch setting (offer seconds, ETA factors, amounts)"),
    "settings.show": (Empty, "Show dispatch settings"),
    "kits.list": (Empty, "Kits: online, last position, sync backlog, linked locksmith"),
    "police.status": (Empty, "Police forwarding: records sealed, acknowledged, backlog, divergence"),
    "timers.list": (Empty, "Pending timers, earliest first"),
}

# The hub domain's own ops (this module); the police-side ops (documents, follow-up, risk) join the same table.
HUB_DOMAIN_OPS = dict(OPS)
from protocol.messages.police import POLICE_OPS  # noqa: E402  (after the table it extends)

OPS.update({name: spec for name, spec in POLICE_OPS.items() if name not in HUB_DOMAIN_OPS})
from protocol.messages.notify import NOTIFY_OPS  # noqa: E402

OPS.update({name: spec for name, spec in NOTIFY_OPS.items() if name not in HUB_DOMAIN_OPS})
from protocol.messages.shift_ops import SHIFT_OPS  # noqa: E402

OPS.update({name: spec for name, spec in SHIFT_OPS.items() if name not in HUB_DOMAIN_OPS})
