"""The police decide money frozen pending them: an order whose documents are overdue (`case_opened`, R-11)
or that an operator disputed (`disputed`) keeps its holds in `frozen_police` until a signed
`police.decision` arrives from the police principal (the ingest checked its Ed25519 signature).

A decision names an outcome for every hold frozen pending the police, and for nothing else: `release`
(escrow -> customer) or `pay` (escrow -> locksmith). Each hold resolves exactly once through
hub/ledger/holds.py, the order moves along the transition table (`police_decided` -> `closed_by_police`),
and the decision goes into the police feed, so it reaches the export, in the same transaction. One
decision per order; a decision id seen before is answered from `police_decisions` without acting again.
"""

from __future__ import annotations

import json

import msgspec

from hub import police_feed
from hub.db import Conn, transaction
from hub.ledger import holds
from hub.ledger.core import locksmith_account
from hub.orders import machine, outbox, store
from hub.orders.store import Order
from hub.registry import store as registry_store
from hub.registry.errors import DomainError, FieldIssue, ValidationFailed
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages.customer import OrderStatus
from protocol.messages.police import HoldOutcome, PoliceDecision, PoliceDecisionResult

PENDING_POLICE = ("case_opened", "disputed")
EVENT = "police_decided"


def _said(purpose: str, outcome: str) -> str:
    return {
        ("deposit", "release"): _("deposit released to the customer"),
        ("deposit", "pay"): _("deposit paid to the locksmith"),
        ("prepayment", "release"): _("prepayment released to the customer"),
        ("prepayment", "pay"): _("prepayment paid to the locksmith"),
    }[(purpose, outcome)]


def _asked(body: PoliceDecision) -> dict[str, str]:
    return {p: o for p, o in (("deposit", body.deposit), ("prepayment", body.prepayment)) if o is not None}


def _check(conn: Conn, order: Order, body: PoliceDecision) -> dict[str, holds.Hold]:
    """The holds frozen pending the police, once the decision is found to cover exactly them."""
    state = order.state
    if state not in PENDING_POLICE:
        earlier = store.police_decision_of_order(conn, order.id)
        if earlier is not None:
            raise DomainError("already_decided", _(
                "order {order} was already decided by the police (decision {decision}, case {case})").format(
                order=order.id, decision=earlier.id, case=earlier.case_ref))
        raise DomainError("not_pending_police", _(
            "order {order} is {state}: its money is not frozen pending the police").format(
            order=order.id, state=state))
    every = {h.purpose: h for h in holds.holds_of(conn, order.id)}
    frozen = {p: h for p, h in every.items() if h.state == "frozen_police"}
    asked = _asked(body)
    issues: list[FieldIssue] = []
    for purpose in sorted(asked):
        if purpose not in frozen:
            held = every[purpose].state if purpose in every else _("no such hold")
            issues.append(FieldIssue(purpose, _("not frozen pending the police ({state}); leave it out").format(
                state=held)))
        elif asked[purpose] == "pay" and not order.locksmith_id:
            issues.append(FieldIssue(purpose, _("the order has no locksmith to pay")))
    for purpose in sorted(frozen):
        if purpose not in asked:
            issues.append(FieldIssue(purpose, _("frozen pending the police: decide release or pay")))
    if not body.case_ref.strip():
        issues.append(FieldIssue("case_ref", _("the police case reference is required")))
    if not body.reason.strip():
        issues.append(FieldIssue("reason", _("the reason is required")))
    if issues:
        raise ValidationFailed(issues)
    return frozen


def _holder_name(conn: Conn, order: Order, account: str) -> str:
    """Who an account is, as the police know them: the order's customer by the name in the request, a
    locksmith by his filed name; empty when neither (the answer then names the role only)."""
    role, _sep, who = account.partition(":")
    if role == "locksmith":
        return registry_store.name_of(conn, who) or ""
    if role == "customer" and who == order.customer_id:
        return str(json.loads(order.request_json or "{}").get("customer_name") or "")
    return ""


def decide(conn: Conn, clock: Clock, actor: str, body: PoliceDecision, *, decision_id: str,
           msg_id: str) -> PoliceDecisionResult:
    """Apply one police decision, or raise a DomainError that leaves nothing behind."""
    with transaction(conn):
        prior = store.police_decision(conn, decision_id)
        if prior is not None:
            if prior.order_id != body.order_id:
                raise DomainError("idempotency_conflict", _("decision id reused for another order: ") + decision_id)
            first = msgspec.json.decode(prior.result_json, type=PoliceDecisionResult)
            return msgspec.structs.replace(first, applied=False)
        order = store.order_row(conn, body.order_id)
        frozen = _check(conn, order, body)
        asked = _asked(body)
        summary = "; ".join(_said(p, asked[p]) for p in sorted(asked))
        moved = machine.apply(conn, clock, body.order_id, EVENT, actor=actor,
                              reason=f"{body.case_ref}: {body.reason}", event_id=f"police-decision:{decision_id}")
        outcomes: list[HoldOutcome] = []
        for purpose in sorted(asked):
            outcome = asked[purpose]
            hold = frozen[purpose]
            state = holds.resolve(conn, clock, order_id=body.order_id, purpose=purpose,  # type: ignore[arg-type]
                                  outcome=outcome, actor=actor,  # type: ignore[arg-type]
                                  locksmith_id=order.locksmith_id, memo=f"{body.case_ref}: {body.reason}"[:500])
            account = hold.owner_account if outcome == "release" else locksmith_account(order.locksmith)
            outcomes.append(HoldOutcome(purpose=purpose, amount_fen=hold.amount, state=state, account=account,
                                        name=_holder_name(conn, order, account)))
        result = PoliceDecisionResult(decision_id=decision_id, order_id=body.order_id, ok=True, state=moved.to_state,
                                      holds=outcomes, applied=True)
        now = clock.now_ms()
        store.put_police_decision(conn, decision_id=decision_id, order_id=body.order_id, msg_id=msg_id, actor=actor,
                                  case_ref=body.case_ref, reason=body.reason, from_state=order.state,
                                  outcomes_json=msgspec.json.encode(asked).decode(),
                                  result_json=msgspec.json.encode(result).decode(), at_ms=now)
        held = [msgspec.to_builtins(h) for h in outcomes]
        police_feed.emit(conn, "police.decision", {
            "id": body.order_id, "order_id": body.order_id, "decision_id": decision_id, "case_ref": body.case_ref,
            "reason": body.reason, "from": order.state, "holds": held, "customer_id": order.customer_id,
            "locksmith_id": order.locksmith_id, "actor": actor, "at_ms": now}, now_ms=now)
        outbox.put(conn, clock, "customer", order.customer_id, OrderStatus(
            body.order_id, moved.to_state, _("the police decided the frozen money: ") + summary))
        outbox.event(conn, clock, "police.decision", order_id=body.order_id, decision_id=decision_id,
                     case_ref=body.case_ref, state=moved.to_state, holds=held, actor=actor)
        return result


def handle(conn: Conn, clock: Clock, sender: str, msg_id: str,
           body: PoliceDecision) -> PoliceDecisionResult:
    """The ingest's entry point: never raises for a refusal. The police get the answer either way; the
    operators see a refusal as an ops event, so a decision that did not apply is never silent."""
    decision_id = body.decision_id or msg_id
    try:
        return decide(conn, clock, f"police:{sender}", body, decision_id=decision_id, msg_id=msg_id)
    except DomainError as exc:
        try:
            state = store.state_of(conn, body.order_id)
        except DomainError:  # no such order
            state = ""
        outbox.event(conn, clock, "police.decision_refused", order_id=body.order_id, decision_id=decision_id,
                     case_ref=body.case_ref, code=exc.code, message=exc.message)
        return PoliceDecisionResult(decision_id=decision_id, order_id=body.order_id, ok=False,
                                    state=state, code=exc.code,
                                    error=exc.message)
