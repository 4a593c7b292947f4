"""THE order state machine: one table of allowed transitions, used by the code and rendered into
docs/orders.md (`python -m hub.orders.docs`). Nothing else decides whether an order may move.

`by` names who may cause the event (the kind before ':' in the actor: operator, customer, kit, hub, police);
`money` says what happens to escrow; the code that performs it is in hub/dispatch and hub/orders/job.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Transition:
    state: str
    event: str
    to: str
    by: tuple[str, ...]
    money: str = ""


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
# States in which the locksmith is taken by this order and may not be offered another.
LOCKSMITH_BUSY = frozenset({"awaiting_customer", "awaiting_payment", "formed", "en_route", "on_site", "verified",
                            "in_progress", "completed"})

_RELEASE_BOTH = "prepayment and deposit released to the customer"
_RELEASE_ANY = "money frozen for an earlier locksmith (who withdrew) is released to the customer"
_COMPENSATE = ("prepayment paid to the locksmith as compensation (released to the customer instead when the locksmith "
               "missed the arrival deadline); deposit released to the customer")

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
    Transition("awaiting_payment", "payment_frozen", "formed", PEOPLE + (HUB,), "prepayment and deposit frozen"),
    Transition("awaiting_payment", "payment_timeout", "cancelled", (HUB,), _RELEASE_ANY),
    Transition("formed", "set_out", "en_route", (KIT,)),
    Transition("en_route", "arrived", "on_site", (KIT,)),
    Transition("on_site", "verified", "verified", (KIT,)),
    Transition("verified", "job_started", "in_progress", (KIT,)),
    Transition("in_progress", "job_done", "completed", (KIT,)),
    Transition("completed", "fee_confirmed", "awaiting_documents", (KIT,), "prepayment released to the customer"),
    Transition("awaiting_documents", "documents_verified", "documents_verified", (OP,),
               "deposit released to the customer"),
    Transition("awaiting_documents", "documents_overdue", "case_opened", (HUB,), "deposit frozen pending police"),
    Transition("case_opened", "documents_verified", "documents_verified", (OP,), "deposit released to the customer"),
    *(Transition(s, "cancel", "cancelled", PEOPLE + ((HUB,) if s == "scheduled" else ()),
                 "money frozen for an earlier locksmith (who withdrew) is released to the customer")
      for s in ("new", "scheduled", "dispatching", "unassigned", "awaiting_customer", "awaiting_payment")),
    Transition("formed", "abandon", "abandoned", PEOPLE, _RELEASE_BOTH),
    *(Transition(s, "abandon", "abandoned", PEOPLE, _COMPENSATE) for s in ("en_route", "on_site", "verified")),
    *(Transition(s, "locksmith_withdrew", "dispatching", (KIT, OP), "holds stay frozen for the next locksmith")
      for s in ("formed", "en_route")),
    *(Transition(s, "dispute", "disputed", (OP,), "all open holds frozen pending police")
      for s in ("formed", "en_route", "on_site", "verified", "in_progress", "completed", "awaiting_documents")),
    *(Transition(s, "police_decided", "closed_by_police", (POLICE,),
                 "each hold frozen pending police released to the customer or paid to the locksmith, as the police "
                 "decided (signed police.decision)")
      for s in ("case_opened", "disputed")),
)

TABLE: dict[tuple[str, str], Transition] = {(t.state, t.event): t for t in TRANSITIONS}
assert len(TABLE) == len(TRANSITIONS), "duplicate (state, event) in the transition table"
assert all(t.state in STATES and t.to in STATES for t in TRANSITIONS)
