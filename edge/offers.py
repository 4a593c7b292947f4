"""Offers on the kit (R-5): the hub offers a job, the locksmith accepts or refuses before it expires.

Offers arrive on `kit/{id}/down/job` (signed by the pinned hub key, recorded once in the store); the
answer is a signed `job.accept` / `job.refuse` committed to the outbox like any capture, so a locksmith
who answers in a lift without signal has answered: the hub decides by its own clock whether it came in
time (a late accept is refused cleanly and the kit is told with `job.result`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from edge.job.steps import StepRefused
from edge.store import KitStore
from protocol.envelope import Envelope
from protocol.messages.job import JobAccept, JobOffer, JobRefuse, JobResult, OfferClosed
from protocol.topics import KIT_UP_JOB


@dataclass
class Offer:
    offer: JobOffer
    state: str = "open"  # open | accepted | refused | closed
    detail: str = ""  # closed: the hub's OfferClosed reason, or "answer_refused" (a job.result not ok)
    answer_ref: str = ""  # the id of the job.accept / job.refuse record; the hub's job.result names it


Policy = Callable[[JobOffer], bool | None]  # True accept, False refuse, None: leave it to the locksmith
Gate = Callable[[], str | None]  # None: the locksmith may see and answer offers now; else why not (translated)


class OfferInbox:
    def __init__(self, store: KitStore, policy: Policy | None = None, gate: Gate | None = None) -> None:
        """`gate`: login first (edge.service wires the job flow's session): while it says no, offers are
        kept but neither shown nor answered, by the locksmith or the policy; they expire on the hub."""
        self.store = store
        self.policy = policy
        self.gate = gate
        self.answered: list[Callable[[], None]] = []  # told after an answer (the session's idle time restarts)
        self.offers: dict[str, Offer] = {}
        self.results: list[JobResult] = []
        self.listeners: list[Callable[[Offer], None]] = []
        self._lock = threading.Lock()
        self._reload()

    def _reload(self) -> None:
        """Offers survive a restart of the kit service: the signed downlink the store recorded, and the
        answers it committed (`job.accept` / `job.refuse` records, by order), are the inbox's state."""
        offers = self.store.downlink_bodies("job.offer")  # opened: sealed with their order's key at rest
        closed = {b["offer_id"]: b.get("reason", "") for b in self.store.downlink_bodies("job.offer_closed")
                  if "offer_id" in b}
        answered = self.store.answers_by_order(("job.accept", "job.refuse"))
        for body in offers:
            try:
                offer = msgspec.convert(body, type=JobOffer)
            except msgspec.ValidationError:  # not an offer this release can read: long closed
                continue
            entry = Offer(offer)
            if offer.order_id in answered:
                entry.state = "accepted" if answered[offer.order_id] == "job.accept" else "refused"
            elif offer.offer_id in closed:
                entry.state, entry.detail = "closed", closed[offer.offer_id]
            self.offers[offer.offer_id] = entry

    def downlink_handlers(self) -> dict[str, Callable[[Envelope, msgspec.Struct], None]]:
        return {"job.offer": self._on_offer, "job.offer_closed": self._on_closed, "job.result": self._on_result}

    def _on_offer(self, _env: Envelope, body: msgspec.Struct) -> None:
        assert isinstance(body, JobOffer)
        with self._lock:
            entry = self.offers.setdefault(body.offer_id, Offer(body))
        self._tell(entry)
        if self.policy is not None:
            decision = self.policy(body)
            if decision is not None and self.closed_reason() is not None:
                return  # nobody logged in: a policy does not answer on the locksmith's behalf either
            if decision is True:
                self.accept(body.offer_id)
            elif decision is False:
                self.refuse(body.offer_id, "declined")

    def _on_closed(self, _env: Envelope, body: msgspec.Struct) -> None:
        assert isinstance(body, OfferClosed)
        with self._lock:
            entry = self.offers.get(body.offer_id)
            if entry is not None and entry.state == "open":
                entry.state, entry.detail = "closed", body.reason
        if entry is not None:
            self._tell(entry)

    def _on_result(self, _env: Envelope, body: msgspec.Struct) -> None:
        assert isinstance(body, JobResult)
        self.results.append(body)
        if body.ok:
            return
        with self._lock:  # e.g. an accept that reached the hub after the offer closed: the screen must say so
            entry = next((o for o in self.offers.values() if o.answer_ref and o.answer_ref == body.ref), None)
            if entry is not None:
                entry.state, entry.detail = "closed", "answer_refused"
        if entry is not None:
            self._tell(entry)

    def closed_reason(self) -> str | None:
        return self.gate() if self.gate is not None else None

    def open_offers(self) -> list[JobOffer]:
        """What the locksmith may answer now: nothing while nobody is logged in."""
        if self.closed_reason() is not None:
            return []
        now = self.store.clock.now_ms()
        with self._lock:
            return [o.offer for o in self.offers.values() if o.state == "open" and o.offer.expires_at > now]

    def seconds_left(self, offer_id: str) -> int:
        """What the kit shows; the hub's clock is the authority."""
        o = self.offers[offer_id].offer
        return max(0, (o.expires_at - self.store.clock.now_ms()) // 1000)

    def accept(self, offer_id: str) -> str:
        return self._answer(offer_id, "accepted", "job.accept", JobAccept(offer_id=offer_id))

    def refuse(self, offer_id: str, reason: str = "") -> str:
        return self._answer(offer_id, "refused", "job.refuse", JobRefuse(offer_id=offer_id, reason=reason))

    def _answer(self, offer_id: str, state: str, type_name: str, body: msgspec.Struct) -> str:
        reason = self.closed_reason()
        if reason is not None:
            raise StepRefused(reason)
        with self._lock:
            entry = self.offers.get(offer_id)
            if entry is None:
                raise KeyError(offer_id)
            entry.state = state
        rec = self.store.add_message(type_name, body, topic=KIT_UP_JOB.build(kit_id=self.store.identity.kit_id),
                                     order_id=entry.offer.order_id)
        entry.answer_ref = rec.id
        self._tell(entry)
        for fn in list(self.answered):
            fn()
        return rec.id

    def _tell(self, entry: Offer) -> None:
        for fn in list(self.listeners):
            fn(entry)


def offer_summary(o: Offer) -> dict[str, Any]:
    return {"offer_id": o.offer.offer_id, "order_id": o.offer.order_id, "state": o.state,
            "site": o.offer.site_address, "eta_s": o.offer.eta_s}
