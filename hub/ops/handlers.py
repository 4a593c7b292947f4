"""One function per operator op of protocol/messages/ops.py OPS; each records the acting operator."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec

from hub.db import Conn, transaction
from hub.dispatch import offers, settings
from hub.documents.ops import POLICE_HANDLERS
from hub.documents.ops import READ_ONLY as POLICE_READ_ONLY
from hub.ledger import core, holds, refunds
from hub.ops import idopen, shift, views
from hub.orders import assign, confirm, dispatching, intake, machine, outbox, settle, store
from hub.registry import csvio, locksmiths, units
from hub.registry import store as registry_store
from hub.registry.errors import DomainError
from hub.timers import scheduler
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages import ops as m
from protocol.messages.shift_ops import SHIFT_READ_ONLY
from protocol.topics import NAME_RE

Handler = Callable[[Conn, Clock, str, Any, str], Any]


def _operator_add(conn: Conn, clock: Clock, actor: str, a: m.OperatorAdd, txn: str) -> Any:
    if not NAME_RE.match(a.id):
        raise DomainError("invalid", _("operator id: lowercase letters, digits and '-'"))
    with transaction(conn):
        registry_store.upsert_operator(conn, a.id, a.name, a.role, clock.now_ms())
    return {"id": a.id}


def _order_show(conn: Conn, clock: Clock, actor: str, a: m.OrderRef, txn: str) -> Any:
    row = store.order_row(conn, a.order_id)
    out = {k: v for k, v in row.as_dict().items() if k not in ("code_hash", "code_proof_key", "request_json")}
    out["transitions"] = machine.history(conn, a.order_id)
    out["offers"] = offers.of_order(conn, a.order_id)
    out["holds"] = [{"purpose": h.purpose, "amount": h.amount, "state": h.state}
                    for h in holds.holds_of(conn, a.order_id)]
    out["escrow_balance"] = core.balance(conn, core.escrow_account(a.order_id))
    # People by name for the console (the request's ID numbers stay out of the answer).
    out["customer_name"] = json.loads(row.request_json or "{}").get("customer_name", "")
    names = registry_store.names(conn, [row.locksmith_id or ""] + [str(f["locksmith_id"]) for f in out["offers"]])
    out["locksmith_name"] = names.get(row.locksmith_id or "", "")
    out["offers"] = [{**f, "locksmith_name": names.get(str(f["locksmith_id"]), "")} for f in out["offers"]]
    operators = {str(t["actor"]): registry_store.operator_shown(conn, str(t["actor"]).split(":", 1)[1])
                 for t in out["transitions"] if str(t.get("actor") or "").startswith("operator:")}
    out["transitions"] = [{**t, "actor_name": operators[str(t["actor"])]} if operators.get(str(t.get("actor")))
                          else t for t in out["transitions"]]
    return out


def _order_list(conn: Conn, clock: Clock, actor: str, a: m.OrderList, txn: str) -> Any:
    return store.listing(conn, a.state or None, min(a.limit, 1000))


def _ledger_refund(conn: Conn, clock: Clock, actor: str, a: m.Refund, txn: str) -> Any:
    with transaction(conn):
        done = refunds.refund(conn, clock, customer_id=a.customer_id, provider=a.provider, actor=actor,
                              amount_fen=a.amount_fen, receipt=a.receipt, payment_id=a.payment_id, reason=a.reason)
        if done["applied"]:
            outbox.event(conn, clock, "ledger.refunded", customer_id=a.customer_id, provider=a.provider,
                         amount_fen=done["amount_fen"], external_ref=done["external_ref"], actor=actor)
        return done


HANDLERS: dict[str, Handler] = {
    "operator.add": _operator_add,
    "unit.file": lambda c, k, who, a, t: {"id": units.file_unit(c, k, who, a)},
    "unit.status": lambda c, k, who, a, t: units.set_unit_status(c, k, who, a.id, a.status, a.reason),
    "unit.show": lambda c, k, who, a, t: units.get_unit(c, a.id),
    "locksmith.file": lambda c, k, who, a, t: {"id": locksmiths.file_locksmith(c, k, who, a)},
    "locksmith.status": lambda c, k, who, a, t: locksmiths.set_locksmith_status(c, k, who, a.id, a.status, a.reason),
    "locksmith.show": lambda c, k, who, a, t: locksmiths.get_locksmith(c, a.id),
    "locksmith.link_kit": lambda c, k, who, a, t: locksmiths.link_kit(c, k, who, a),
    "locksmith.fingerprint": lambda c, k, who, a, t: {"fingers": locksmiths.enroll_fingerprint(c, k, who, a)},
    "registry.import": lambda c, k, who, a, t: csvio.import_csv(c, k, who, a.kind, a.csv_text).as_dict(),
    "registry.export": lambda c, k, who, a, t: {"csv": csvio.export_csv(c, a.kind)},
    "order.create": lambda c, k, who, a, t: {"order_id": intake.create(c, k, who, a.customer_id, a.request,
                                                                         event_id=t)},
    "order.decide": lambda c, k, who, a, t: {"state": dispatching.decide(c, k, who, a.order_id, a.accept, a.reason,
                                                                     event_id=t)},
    "order.pay": lambda c, k, who, a, t: {"state": confirm.pay(c, k, who, a.order_id, amount_fen=a.amount_fen,
                                                               provider=a.provider, external_ref=a.external_ref,
                                                               event_id=t)},
    "order.cancel": lambda c, k, who, a, t: {"state": settle.cancel(c, k, who, a.order_id, a.reason, event_id=t)},
    "order.redispatch": lambda c, k, who, a, t: {"state": settle.redispatch(c, k, who, a.order_id, a.reason,
                                                                            event_id=t)},
    "order.documents_verified": lambda c, k, who, a, t: {"state": settle.documents_verified(
        c, k, who, a.order_id, a.reason, event_id=t)},
    "order.dispute": lambda c, k, who, a, t: {"state": settle.dispute(c, k, who, a.order_id, a.reason, event_id=t)},
    "order.rate": lambda c, k, who, a, t: {"quality": settle.rate(c, k, who, a.order_id, a.stars)},
    "order.show": _order_show,
    "order.list": _order_list,
    "ledger.balance": lambda c, k, who, a, t: {"account": a.account, "balance_fen": core.balance(c, a.account)},
    "ledger.check": lambda c, k, who, a, t: {"problems": core.check(c)},
    "ledger.refund": _ledger_refund,
    "ledger.refunds_due": lambda c, k, who, a, t: refunds.refunds_due(c, a.customer_id),
    "settings.set": lambda c, k, who, a, t: settings.as_dict(settings.set_value(c, a.key, a.value)),
    "settings.show": lambda c, k, who, a, t: settings.as_dict(settings.load(c)),
    "timers.list": lambda c, k, who, a, t: scheduler.pending(c),
}

# Ops that only read; their responses are not kept for transaction-id replay.
READ_ONLY = frozenset({"unit.show", "locksmith.show", "registry.export", "order.show", "order.list",
                       "ledger.balance", "ledger.check", "ledger.refunds_due", "settings.show", "timers.list"}) | frozenset(POLICE_READ_ONLY)
# Documents, follow-up and risk (hub/documents/ops.py) are answered through the same entry point.
HANDLERS.update({name: fn for name, fn in POLICE_HANDLERS.items() if name not in HANDLERS})
HANDLERS.update({"kits.list": views.kits_list, "police.status": views.police_status})
READ_ONLY = READ_ONLY | {"kits.list", "police.status"}


def convert(op: str, args: dict[str, Any]) -> msgspec.Struct:
    return msgspec.convert(args, m.OPS[op][0])


# Working a shift (hub/ops/shift.py): history and the needs-attention list.
HANDLERS.update({"events.history": shift.events_history, "attention.list": shift.attention,
                 "id.open": idopen.open_id, "id.openings": idopen.openings,
                 "order.candidates": lambda c, k, who, a, t: assign.candidates(c, a.order_id),
                 "order.assign": lambda c, k, who, a, t: assign.assign(c, k, who, a.order_id, a.locksmith_id,
                                                                       a.reason, event_id=t)})
READ_ONLY = READ_ONLY | SHIFT_READ_ONLY

from hub.notify.ops import NOTIFY_HANDLERS  # noqa: E402
from hub.notify.ops import READ_ONLY as NOTIFY_READ_ONLY  # noqa: E402

HANDLERS.update(NOTIFY_HANDLERS)
READ_ONLY = READ_ONLY | NOTIFY_READ_ONLY
