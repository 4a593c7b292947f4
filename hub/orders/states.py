"""THE order state machine: one table of allowed transitions, used by the code and rendered into
docs/orders.md (`python -m hub.orders.docs`). Nothing else decides whether an order may move.

`by` names who may cause the event (the kind before ':' in the actor: operator, customer, kit, hub, police);
`money` is what happens to the order's escrow holds, as data: hub/orders/machine.py carries it out in the
same transaction as the move (hub/orders/money.py), so no caller moves money for a transition itself. The
one effect the table cannot hold is the police's decision, which names an outcome per hold: `decided`
transitions are carried out by hub/orders/police_decision.py with the signed decision.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Money:
    """One escrow effect of a transition. `holds`: prepayment, deposit, or `open` (every hold still open);
    `outcome`: freeze (both holds, from the customer's wallet), release (to the customer), pay (to the order's
    locksmith), police (frozen pending the police), keep (nothing moves), decided (as the police decided, per
    hold)."""

    holds: str
    outcome: str
    memo: str = ""  # the ledger transfer's memo

    def text(self) -> str:
        what = {"open": "every open hold", "prepayment": "prepayment", "deposit": "deposit",
                "both": "prepayment and deposit"}[self.holds]
        return {"freeze": f"{what} frozen in escrow", "release": f"{what} released to the customer",
                "pay": f"{what} paid to the locksmith", "police": f"{what} frozen pending the police",
                "keep": f"{what} stays frozen for the next locksmith",
                "decided": f"{what} released to the customer or paid to the locksmith, as the police decided "
                           "(signed police.decision)"}[self.outcome] + (f" ({self.memo})" if self.memo else "")


@dataclass(frozen=True)
class Transition:
    state: str
    event: str
    to: str
    by: tuple[str, ...]
    money: tuple[Money, ...] = ()

    def money_text(self) -> str:
        return "; ".join(m.text() for m in self.money)


OP, CU, KIT, HUB, POLICE = "operator", "customer", "kit", "hub", "police"
PEOPLE = (OP, CU)

STATES: dict[str, str] = {
    "new": "Request validated and stored, not yet dispatched.",
    "scheduled": "Appointment later: dispatch starts shortly before the appointment time.",
    "dispatching": "Offering to candidates one at a time (one live offer at most).",
    "unassigned": "Nobody left to offer to: waiting for the operator.",
    "awaiting_customer": "A locksmith accepted; the customer sees the identity card and decides.",
    "awaiting_payment": "The customer accepted; waiting for prepayment plus deposit.",
    "formed": "Prepayment and deposit frozen in escrow; order success sent to both sides.",
    "en_route": "The locksmith set out.",
    "on_site": "The locksmith arrived.",
    "verified": "R-8 verification recorded: code, locksmith fingerprint, customer photo, ID and fingerprint.",
    "in_progress": "The job started (only possible after verification).",
    "completed": "Work finished; waiting for the locksmith to confirm the fee was received.",
    "awaiting_documents": "Fee confirmed and prepayment released; deposit waits for documents (R-11).",
    "documents_verified": "Documents verified, deposit released. Final.",
    "case_opened": "Documents overdue: the police opened a case; deposit frozen pending the police.",
    "disputed": "An operator froze the escrow pending the police.",
    "cancelled": "Ended before the order was (re)formed: cancelled, or not confirmed or paid in time. Final.",
    "abandoned": "The customer abandoned after the order was formed (R-7). Final.",
    "closed_by_police": "The police decided the money frozen pending them (a case or a dispute). Final.",
}

FINAL = frozenset({"documents_verified", "cancelled", "abandoned", "closed_by_police"})
# Timer kinds about the job done rather than the order's progress, kept when it reaches a final state: the
# rating-link SMS after completion (R-13; hub/orders/job.py FOLLOWUP_TIMER).
OUTLIVE_THE_ORDER = frozenset({"followup.due"})
BEFORE_FORMED = ("new", "scheduled", "dispatching", "unassigned", "awaiting_customer", "awaiting_payment")
JOB_STATES = ("formed", "en_route", "on_site", "verified", "in_progress", "completed")
# States in which the locksmith is taken by this order and may not be offered another.
LOCKSMITH_BUSY = frozenset({"awaiting_customer", "awaiting_payment", "formed", "en_route", "on_site", "verified",
                            "in_progress", "completed"})

_RELEASE_BOTH = (Money("prepayment", "release"), Money("deposit", "release"))
_RELEASE_ANY = (Money("open", "release"),)  # before the order forms: what an earlier locksmith's order froze
_COMPENSATE = (Money("prepayment", "pay", "R-7 compensation"), Money("deposit", "release"))

TRANSITIONS: tuple[Transition, ...] = (
    Transition("new", "submit", "dispatching", (HUB,)),
    Transition("new", "schedule", "scheduled", (HUB,)),
    Transition("scheduled", "dispatch_due", "dispatching", (HUB, OP)),
    Transition("dispatching", "locksmith_accepted", "awaiting_customer", (KIT,)),
    Transition("dispatching", "exhausted", "unassigned", (HUB,)),
    Transition("unassigned", "redispatch", "dispatching", (OP, HUB)),
    Transition("awaiting_customer", "customer_rejected", "dispatching", PEOPLE),
    Transition("awaiting_customer", "customer_accepted", "awaiting_payment", PEOPLE),
    Transition("awaiting_customer", "confirm_timeout", "cancelled", (HUB,), _RELEASE_ANY),
    Transition("awaiting_payment", "payment_frozen", "formed", PEOPLE + (HUB,), (Money("both", "freeze"),)),
    Transition("awaiting_payment", "payment_timeout", "cancelled", (HUB,), _RELEASE_ANY),
    Transition("formed", "set_out", "en_route", (KIT,)),
    Transition("en_route", "arrived", "on_site", (KIT,)),
    Transition("on_site", "verified", "verified", (KIT,)),
    Transition("verified", "job_started", "in_progress", (KIT,)),
    Transition("in_progress", "job_done", "completed", (KIT,)),
    Transition("completed", "fee_confirmed", "awaiting_documents", (KIT,), (Money("prepayment", "release", "R-10"),)),
    Transition("awaiting_documents", "documents_verified", "documents_verified", (OP,),
               (Money("deposit", "release", "R-11"),)),
    Transition("awaiting_documents", "documents_overdue", "case_opened", (HUB,), (Money("deposit", "police"),)),
    Transition("case_opened", "documents_verified", "documents_verified", (OP,), (Money("deposit", "release", "R-11"),)),
    *(Transition(s, "cancel", "cancelled", PEOPLE + ((HUB,) if s == "scheduled" else ()), _RELEASE_ANY)
      for s in ("new", "scheduled", "dispatching", "unassigned", "awaiting_customer", "awaiting_payment")),
    Transition("formed", "abandon", "abandoned", PEOPLE, _RELEASE_BOTH),
    *(Transition(s, "abandon", "abandoned", PEOPLE, _COMPENSATE) for s in ("en_route", "on_site", "verified")),
    # The locksmith missed the arrival deadline (hub/orders/arrival.py): R-7's compensation is for a customer who
    # gives up for their own reasons, not for a locksmith who did not come.
    Transition("en_route", "abandon_no_show", "abandoned", PEOPLE, _RELEASE_BOTH),
    *(Transition(s, "locksmith_withdrew", "dispatching", (KIT, OP), (Money("open", "keep"),))
      for s in ("formed", "en_route")),
    *(Transition(s, "dispute", "disputed", (OP,), (Money("open", "police"),))
      for s in ("formed", "en_route", "on_site", "verified", "in_progress", "completed", "awaiting_documents")),
    *(Transition(s, "police_decided", "closed_by_police", (POLICE,), (Money("open", "decided"),))
      for s in ("case_opened", "disputed")),
)

TABLE: dict[tuple[str, str], Transition] = {(t.state, t.event): t for t in TRANSITIONS}
assert len(TABLE) == len(TRANSITIONS), "duplicate (state, event) in the transition table"
assert all(t.state in STATES and t.to in STATES for t in TRANSITIONS)
