"""Demo part 2: customers ask over the customer contract; the hub dispatches under each rule of R-5 with
30-second offers; locksmiths accept or refuse on their kits; customers accept or reject the locksmith
(R-6), pay prepayment and deposit into escrow, and get the one-time service code."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from hub.dispatch import offers
from lockwarden.demo.city import LOCKSMITHS, City, request_body
from lockwarden.demo.photos import request_photos
from lockwarden.demo.sandbox_pay import SANDBOX
from lockwarden.demo.story import duration, yuan
from protocol.i18n import _
from protocol.labels import GRADES, RULES, label
from protocol.messages.job import JobOffer

OFFER_WAIT_MS = 31_000


@dataclass
class Plan:
    """What each kit's locksmith does with an offer for this order: True accept, False refuse, None let
    it expire; and the customer's answers to each locksmith card in turn."""

    kits: dict[str, bool | None]
    customer: list[bool]
    offered: list[str] = field(default_factory=list)


class Dispatcher:
    def __init__(self, city: City, say: Any) -> None:
        self.city = city
        self.say = say
        self.plans: dict[str, Plan] = {}
        self.current = ""  # the order the story is telling now; another order's offers are asides
        self.waiting: dict[str, list[tuple[str, JobOffer]]] = {}
        self._lock = threading.Lock()

    def policy(self, kit_id: str, offer: JobOffer) -> bool | None:
        with self._lock:
            plan = self.plans.get(offer.order_id)
            if plan is None:
                # The offer can reach the kit before the customer's app has its order id back: the
                # locksmith answers once the scenario for that order is known.
                self.waiting.setdefault(offer.order_id, []).append((kit_id, offer))
                return None
        return self._decide(kit_id, offer, plan)

    def _register(self, order_id: str, plan: Plan) -> None:
        with self._lock:
            self.plans[order_id] = plan
            self.current = order_id
            waiting = self.waiting.pop(order_id, [])
        for kit_id, offer in waiting:
            decision = self._decide(kit_id, offer, plan)
            inbox = self.city.services[kit_id].offers
            if decision is True:
                inbox.accept(offer.offer_id)
            elif decision is False:
                inbox.refuse(offer.offer_id, "declined")

    def _decide(self, kit_id: str, offer: JobOffer, plan: Plan) -> bool | None:
        plan.offered.append(kit_id)
        decision = plan.kits.get(kit_id)
        word = {True: _("accepts"), False: _("refuses"), None: _("lets it run out")}[decision]
        name, grade, _pos = LOCKSMITHS[kit_id]
        if offer.order_id == self.current:
            self.say(_("    the hub offers the job to {name} ({grade}, {eta} away): {word}").format(
                name=name, grade=label(GRADES, grade), eta=duration(offer.eta_s), word=word))
        else:  # an earlier order the hub dispatches again while the story tells another
            self.say.aside(offer.order_id, _("dispatch tries again: the hub offers the job to {name}: {word}").format(
                name=name, word=word))
        return decision

    def _open_offer_kit(self, order_id: str) -> str | None:
        hub = self.city.world.hub
        assert hub is not None
        with hub._lock:
            offer = offers.open_for(hub.conn, order_id)
        return offer.kit_id if offer else None

    def run_order(self, customer_id: str, customer_no: int, rule: str, plan: Plan, *, pay: bool = True,
                  **request: Any) -> tuple[str, str | None, str]:
        """Returns (order id, service code or None, final state word)."""
        app = self.city.customer(customer_id)
        for photo in request_photos(customer_no, officer=bool(request.get("officer"))).values():
            app.upload_id_photo(photo)  # the app sends the ID photos first; the request names them
        got = app.request(request_body(customer_no, rule, **request))
        order_id = got.body.order_id  # type: ignore[attr-defined]
        if not got.body.ok:  # type: ignore[attr-defined]
            raise RuntimeError(f"request refused: {got.body.errors}")  # type: ignore[attr-defined]
        self.say(_("  {name} asks for a locksmith, dispatched by {rule}: {order}").format(
            name=request.get("name", "张三"), rule=label(RULES, rule), order=self.say.number(order_id)))
        self._register(order_id, plan)
        try:
            return self._follow(app, order_id, plan, pay, request.get("name", "张三"))
        finally:
            self.current = ""  # from now on, this order's offers (a retry) are told as asides

    def _follow(self, app: Any, order_id: str, plan: Plan, pay: bool, customer: str) -> tuple[str, str | None, str]:
        w = self.city.world
        seen_cards = 0
        while True:
            card_or_end = self._next_event(app, order_id, seen_cards)
            if card_or_end is None:
                # An offer is open and its locksmith is not answering: 31 s pass on the hub's clock.
                kit = self._open_offer_kit(order_id)
                if kit is not None and plan.kits.get(kit) is None and kit in plan.offered:
                    w.clock.advance(OFFER_WAIT_MS)
                    self.say(_("    {wait} pass on the hub's clock: the offer to {name} expires").format(
                        wait=duration(OFFER_WAIT_MS / 1000), name=LOCKSMITHS[kit][0]))
                continue
            kind, body = card_or_end
            if kind == "customer.order_status" and body.state in ("unassigned", "cancelled"):
                self.say(_("  -> nobody left to offer it to: {reason}; the operator is told").format(
                    reason=body.reason))
                return order_id, None, body.state
            if kind == "customer.locksmith_card":
                seen_cards += 1
                accept = plan.customer.pop(0) if plan.customer else True
                self.say(_("    {customer} sees the card of {name} ({grade}, {unit}): {word}").format(
                    customer=customer, name=body.card.name, grade=label(GRADES, body.card.grade), unit=body.card.unit_name,
                    word=_("accepts") if accept else _("rejects")))
                app.send("customer.decision", {"order_id": order_id, "accept": accept,
                                               "reason": "" if accept else "想换一位师傅"})
                if not accept:
                    continue
                due = app.next_of("customer.payment_due", order_id)
                amount = due.body.prepayment_fen + due.body.deposit_fen  # type: ignore[attr-defined]
                if not pay:
                    return order_id, None, "awaiting_payment"
                ref = SANDBOX.pay(f"SBX{order_id[-12:]}", amount)
                app.send("customer.pay", {"order_id": order_id, "amount_fen": amount, "provider": SANDBOX.name,
                                          "external_ref": ref})
                ok = app.next_of("customer.order_success", order_id)
                code = ok.body.service_code  # type: ignore[attr-defined]
                self.say(_("  -> the customer pays {total}: prepayment {p} and deposit {d}, held in escrow; the order "
                           "is formed and the service code sent to the customer").format(
                    total=yuan(amount), p=yuan(due.body.prepayment_fen), d=yuan(due.body.deposit_fen)))  # type: ignore[attr-defined]
                return order_id, code, "formed"

    def _next_event(self, app: Any, order_id: str, seen_cards: int) -> tuple[str, Any] | None:
        def match(r: Any) -> bool:
            return getattr(r.body, "order_id", None) == order_id and r.env.type in (
                "customer.locksmith_card", "customer.order_status")

        cards = [r for r in app.seen if match(r) and r.env.type == "customer.locksmith_card"]
        if len(cards) > seen_cards:
            return "customer.locksmith_card", cards[seen_cards].body
        ends = [r for r in app.seen if match(r) and r.env.type == "customer.order_status"
                and r.body.state in ("unassigned", "cancelled")]
        if ends:
            return "customer.order_status", ends[-1].body
        time.sleep(0.3)  # the hub's next message, or the offer the scenario lets run out
        return None


def run(city: City, say: Any) -> tuple[bool, dict[str, Any]]:
    d = city.dispatcher
    results: dict[str, Any] = {}
    say.scene(_("Rule 3, highest grade first: the special-grade locksmith lets the offer run out, the customer "
                "rejects the next locksmith and accepts the third (R-5, R-6)"))
    results["grade"] = d.run_order("cu-wang", 2, "grade", Plan({"kit-003": None, "kit-002": True, "kit-001": True},
                                                                [False, True]), name="王芳")
    say.scene(_("Rule 1, earliest arrival first (the nearest is busy now): the next refuses, the one after "
                "accepts"))
    results["eta"] = d.run_order("cu-zhang", 1, "eta", Plan({"kit-002": False, "kit-003": True, "kit-001": True},
                                                            [True]))
    say.scene(_("Rule 2, best service first: everybody left refuses"))
    results["quality"] = d.run_order("cu-liu", 3, "quality", Plan({k: False for k in LOCKSMITHS}, []), name="刘洋")
    ok = results["eta"][2] == "formed" and results["grade"][2] == "formed" and results["quality"][2] == "unassigned"
    return ok, results
