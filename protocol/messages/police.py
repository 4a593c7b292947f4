"""What the hub forwards to the police, and what the police export answers.

The hub's forwarder numbers every record it forwards (`seq`, contiguous from 1) and the police export
appends them in that order to a hash chain. Both sides compute the same chain, so the hub can sign its
head (`police.checkpoint`) and an analyst can prove the export holds exactly what the hub forwarded.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from protocol.registry import message

EXAMPLE_SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


class MediaRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A media file a record refers to; the export stores it under its SHA-256."""

    sha256: str
    size: int
    content_type: str = "application/octet-stream"
    kind: str = ""


@message(
    "police.record",
    sender="hub",
    summary="One forwarded record (filing, order transition, evidence, document, warning, case, follow-up).",
    example=lambda: PoliceRecord(
        seq=1, feed_seq=1, kind="order.completed", entity_id="01JGZ0000000000000000000AA",
        created_ms=1767225600000, data={"order_id": "01JGZ0000000000000000000AA", "locksmith_id": "ls-1"},
        media=[MediaRef(sha256=EXAMPLE_SHA, size=183211, content_type="image/jpeg", kind="photo.lock_before")],
    ),
)
class PoliceRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    seq: int  # position in the police chain, contiguous from 1
    feed_seq: int  # police_feed.seq at the hub (for tracing)
    kind: str
    entity_id: str
    created_ms: int
    data: dict[str, Any]
    media: list[MediaRef] = []  # sent (police.media) and acknowledged before this record


@message(
    "police.media",
    sender="hub",
    summary="One chunk of a media file for the police export; `data` is base64 of the chunk.",
    example=lambda: PoliceMedia(sha256=EXAMPLE_SHA, size=5, index=0, chunks=1, chunk_size=262144,
                                chunk_sha256="2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
                                data="aGVsbG8="),
)
class PoliceMedia(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sha256: str  # of the whole file
    size: int
    index: int
    chunks: int
    chunk_size: int
    chunk_sha256: str
    data: str


@message(
    "police.checkpoint",
    sender="hub",
    summary="The hub's signed head of the police chain: entry `seq` has hash `head`.",
    example=lambda: PoliceCheckpoint(seq=1, head=EXAMPLE_SHA),
)
class PoliceCheckpoint(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    seq: int
    head: str


@message(
    "police.ack",
    sender="police",
    summary="The export holds every record up to `upto_seq` durably, and these media files/chunks.",
    example=lambda: PoliceAck(upto_seq=1, head=EXAMPLE_SHA, media_complete=[EXAMPLE_SHA], media_chunks={}),
)
class PoliceAck(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    upto_seq: int
    head: str
    media_complete: list[str] = []
    media_chunks: dict[str, list[int]] = {}  # sha256 -> chunk indexes held for files not yet complete
    checkpoint_seq: int = 0  # the latest hub checkpoint the export stored


# --- the police's decision on money frozen pending the police ------------------------------------------

HoldPurpose = Literal["deposit", "prepayment"]
HoldDecision = Literal["release", "pay"]


@message(
    "police.decision",
    sender="police",
    summary="The police decide an order's money frozen pending the police (documents overdue, or disputed): "
            "each frozen hold is released to the customer or paid to the locksmith; the order is closed.",
    example=lambda: PoliceDecision(order_id="01JGZ0000000000000000000AA", deposit="release", prepayment=None,
                                   case_ref="CASE-01JGZ0000000000000000000AA",
                                   reason="Deed verified at the station; nothing suspicious",
                                   decision_id="01JGZ0000000000000000000AF"),
)
class PoliceDecision(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str
    case_ref: str  # the police's own case reference
    reason: str
    deposit: HoldDecision | None = None  # required when the deposit is frozen pending the police
    prepayment: HoldDecision | None = None  # likewise for the prepayment
    # Stable across a retry (a new envelope that asks again); empty: the envelope's id.
    decision_id: str = ""


class HoldOutcome(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    purpose: str  # deposit | prepayment
    amount_fen: int
    state: str  # released | paid
    account: str  # where the money went: customer:<id> or locksmith:<id>
    name: str = ""  # who that account is, for the people reading the answer: the customer's or locksmith's name


@message(
    "police.decision_result",
    sender="hub",
    summary="The hub's answer to a police.decision: the holds resolved and the order's new state, or the refusal.",
    example=lambda: PoliceDecisionResult(
        decision_id="01JGZ0000000000000000000AF", order_id="01JGZ0000000000000000000AA", ok=True,
        state="closed_by_police", holds=[HoldOutcome(purpose="deposit", amount_fen=20000, state="released",
                                                     account="customer:cu-zhang", name="张三")], applied=True),
)
class PoliceDecisionResult(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    decision_id: str
    order_id: str
    ok: bool
    state: str = ""  # the order's state after the decision (or now, when refused)
    holds: list[HoldOutcome] = []
    applied: bool = False  # False for a refusal, and for a decision id applied before (a retry)
    code: str = ""
    error: str = ""


# --- R-11 documents from the customer app ------------------------------------------------------------

@message(
    "customer.documents",
    sender="customer",
    summary="Photos of the customer's ID and of a deed, purchase contract or vehicle licence for an order "
            "(R-11); the photos travel as media first, named here by SHA-256.",
    example=lambda: CustomerDocuments(order_id="01JGZ0000000000000000000AA", doc_types=["id_card", "property_deed"],
                                      media=[EXAMPLE_SHA], holder_name="张三", holder_id_number="11010519491231002X"),
)
class CustomerDocuments(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str
    doc_types: list[str]
    media: list[str]
    holder_name: str = ""
    holder_id_number: str = ""


# --- operator requests for documents, follow-up, risk and forwarding ----------------------------------
# Merged into protocol.messages.ops.OPS (`OPS.update(POLICE_OPS)`), handled by hub/documents/ops.py.

class DocumentsSubmit(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str
    doc_types: list[str]
    media: list[str]  # SHA-256 of photos already in the hub's media store
    holder_name: str = ""
    holder_id_number: str = ""


class DocumentsDecision(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    submission_id: str
    reason: str = ""


class DocumentsList(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str


class FollowupContact(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str
    channel: str  # sms | app | wechat | voice


class FollowupRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: str
    channel: str
    outcome: str  # reached | no_answer | refused | complaint
    rating: int | None = None
    note: str = ""


class RiskList(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    level: str | None = None


class NoArgs(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


POLICE_OPS: dict[str, tuple[type[msgspec.Struct], str]] = {
    "documents.submit": (DocumentsSubmit, "Submit document photos for an order on the customer's behalf (R-11)"),
    "documents.verify": (DocumentsDecision, "Documents match the customer: release the deposit (R-11)"),
    "documents.reject": (DocumentsDecision, "Reject a document submission, with the reason (R-11)"),
    "documents.list": (DocumentsList, "The document submissions of an order"),
    "followup.list": (NoArgs, "Open follow-up tasks, overdue first (R-13)"),
    "followup.contact": (FollowupContact, "Send the follow-up message to the customer through a channel"),
    "followup.record": (FollowupRecord, "Record the follow-up's outcome and the 1-5 rating (R-13)"),
    "risk.list": (RiskList, "Current risk warnings, optionally of one level (R-12)"),
}
