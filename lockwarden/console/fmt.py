"""Words and numbers as the operator reads them: order states, times, money in yuan, event lines."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from protocol import labels
from protocol.i18n import _, stored
from protocol.orderno import order_label, short_order


def state_label(state: str | None) -> str:
    return labels.label(labels.ORDER_STATES, state)


def choice_label(field: str, value: Any) -> str:
    """A closed field's code (rule, lock type, service) as the operator reads it."""
    from lockwarden.console.hotline import choices

    return next((label for label, v in choices().get(field, []) if v == value), str(value or ""))


def hub_text(text: Any) -> str:
    """A reason the hub stored in its own language (Chinese by default, English under --lang en) in the
    console's language when the catalogues know it, anything else (an operator's words) as it is."""
    return stored(str(text)) if text else ""


def when(ms: Any) -> str:
    """Local date and time of an epoch-ms value ('' for none)."""
    if not isinstance(ms, int | float) or ms <= 0:
        return ""
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


yuan = labels.yuan  # one way to write money, shared with the demo and the police tools


def short(order_id: Any) -> str:
    """The order's number as the kit, the customer and the sandbox read it out ("AZN-WZM")."""
    return short_order(str(order_id or ""))


def mask_id(number: Any) -> str:
    """A resident ID number as a person reads it unless deliberately opened: the last 4 characters."""
    text = str(number or "")
    return "*" * max(len(text) - 4, 0) + text[-4:]


def offer_label(state: str) -> str:
    return labels.label(labels.OFFER_STATES, state)


def event_label(kind: str) -> str:
    return labels.event_kind(kind)


def minutes(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return ""
    return _("{n} min").format(n=max(1, round(seconds / 60)))


# Fields of an event line shown as words; ids the operator cannot use are left out (the order is named, a
# locksmith by `locksmith`, the actor by `who()`), and so are the codes a refusal carries for programs
# (`code`; its `message` says it in words) and a gateway's raw answer (the messages list keeps it).
_HIDDEN = {"kind", "at_ms", "order_id", "offer_id", "locksmith_id", "seq", "customer_id", "actor", "actor_name",
           "sms_id", "decision_id", "trade_no", "external_ref", "code", "answer", "handed"}


def _hold(h: Any) -> str:
    """One hold a police decision resolved: what it was, how much, what became of it, whose it now is."""
    if not isinstance(h, dict):
        return ""
    parts = [labels.label(labels.HOLD_PURPOSES, h.get("purpose")), yuan(h.get("amount_fen")),
             labels.label(labels.HOLD_STATES, h.get("state")), str(h.get("name") or "")]
    return " ".join(p for p in parts if p)


def _evidence_detail(value: Any) -> str:
    """What the hub's evidence check found wrong (hub/evidence/tracker.py `_detail`, a JSON object): the
    records missing by name, the files by count; anything else as the hub wrote it."""
    try:
        found = json.loads(str(value))
    except ValueError:
        return hub_text(value)
    if not isinstance(found, dict):
        return hub_text(value)
    parts = [_("missing: {records}").format(records=_(", ").join(labels.police_kind(str(k)) for k in records))
             for records in [found.get("missing_records") or []] if records]
    if found.get("missing_files"):
        parts.append(_("{n} file(s) missing").format(n=len(found["missing_files"])))
    if found.get("mismatched"):
        parts.append(_("{n} file(s) not as listed").format(n=len(found["mismatched"])))
    if found.get("problems"):
        parts.append(_("{n} other problem(s)").format(n=len(found["problems"])))
    return "; ".join(parts)


def _field(key: str, value: Any) -> str:
    """One field of an event in words."""
    if key == "retry_at_ms":
        return _("next try at {time}").format(time=when(value))
    if key.endswith("_ms") and key != "elapsed_ms":
        return _("at {time}").format(time=when(value))
    if key.endswith("_fen"):
        return yuan(value)
    words: dict[str, Any] = {
        "elapsed_ms": lambda: _("after {s} s").format(s=round(value / 1000)) if isinstance(value, int | float) else "",
        "eta_s": lambda: _("arrives in {m}").format(m=minutes(value)),
        "rank": lambda: _("choice {n}").format(n=value),
        "reason": lambda: hub_text(value), "message": lambda: hub_text(value),
        "status": lambda: labels.label(labels.EVIDENCE_STATUSES, value) if value in labels.EVIDENCE_STATUSES
        else hub_text(value),
        "detail": lambda: _evidence_detail(value),
        "state": lambda: state_label(str(value)),
        "kit_id": lambda: _("kit {kit}").format(kit=value),
        "record_kind": lambda: labels.police_kind(str(value)),
        "by": lambda: labels.label(labels.ABORTED_BY, value),
        "at_step": lambda: _("at step: {step}").format(step=labels.label(labels.KIT_STEPS, value)),
        "provider": lambda: labels.label(labels.PAYMENT_PROVIDERS, value),
        "purpose": lambda: _("for {purpose}").format(purpose=labels.label(labels.NOTIFY_PURPOSES, value)),
        "to": lambda: _("to {mobile}").format(mobile=value),
        "case_ref": lambda: _("case {ref}").format(ref=value),
        "holds": lambda: "; ".join(p for p in map(_hold, value) if p) if isinstance(value, list) else "",
    }
    shown = words.get(key)
    if shown is not None:
        return str(shown())
    return str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else ""


def who(body: dict[str, Any]) -> str:
    """Who did what an event (or an order's transition) records, as a person reads it: an operator by name (the hub adds `actor_name`,
    with the id only when two operators share a name), a kit by its label, the customer as such (their id
    is their mobile number), the hub as the hub; an actor the hub could not name by their id."""
    actor = str(body.get("actor") or "")
    kind, _sep, ident = actor.partition(":")
    if body.get("actor_name"):
        return str(body["actor_name"])
    if kind == "kit" and ident:
        return _("kit {kit}").format(kit=ident)
    if kind == "customer":
        return _("the customer")
    if actor == "hub":
        return _("the hub")
    return ident or actor


def event_line(body: dict[str, Any], numbers: dict[str, int] | None = None) -> str:
    """One ops event on one line: time, what happened, the order by its number, then the rest in words."""
    parts = [when(body.get("at_ms")), event_label(str(body.get("kind", "")))]
    order = body.get("order_id")
    if order:
        n = (numbers or {}).get(str(order))
        parts.append(_("order No. {n}").format(n=n) if n else _("order") + " " + short(order))
    for key, value in body.items():
        if key in _HIDDEN or value in (None, "", []):
            continue
        parts.append(_field(key, value))
    if body.get("actor"):
        parts.append(_("by {who}").format(who=who(body)))
    return "  ".join(p for p in parts if p)


def order_detail(o: dict[str, Any], number: int | None = None) -> str:
    """`order.show` as plain text: the order, its transitions (actor, reason), offers and escrow holds."""
    lines = [
        f"{order_label(str(o.get('id') or ''), number) if number else _('Order') + ' ' + short(o.get('id'))}   {_('State')}: {state_label(o.get('state'))}",
        f"{_('Customer')}: {o.get('customer_name') or o.get('customer_id', '')}   {_('Rule')}: {choice_label('rule', o.get('rule'))}   "
        f"{_('Lock')}: {choice_label('lock_class', o.get('lock_class'))} / "
        f"{choice_label('category', o.get('category'))}",
        f"{_('Site')}: {o.get('site_address', '')}",
        f"{_('Locksmith')}: {o.get('locksmith_name') or o.get('locksmith_id') or '-'}   {_('Prepayment')}: {yuan(o.get('prepayment_fen'))}   "
        f"{_('Deposit')}: {yuan(o.get('deposit_fen'))}   {_('Escrow balance')}: {yuan(o.get('escrow_balance'))}",
        "",
        _("Transitions"),
    ]
    for t in o.get("transitions") or []:
        lines.append(f"  {when(t.get('at_ms'))}  {state_label(t.get('from_state')) or '-'} -> "
                     f"{state_label(t.get('to_state'))}  [{labels.label(labels.ORDER_EVENTS, t.get('event'))}]  "
                     f"{who(t)}"
                     + (f"  {hub_text(t['reason'])}" if t.get("reason") else ""))
    lines += ["", _("Offers")]
    for f in o.get("offers") or []:
        lines.append(f"  #{f.get('rank', '')}  {f.get('locksmith_name') or f.get('locksmith_id', '')}  "
                     f"{f.get('kit_id', '')}  {_('ETA')} {minutes(f.get('eta_s'))}  {offer_label(str(f.get('state')))}"
                     f"  {when(f.get('offered_ms'))}")
    if not o.get("offers"):
        lines.append("  " + _("none"))
    lines += ["", _("Escrow holds")]
    for h in o.get("holds") or []:
        lines.append(f"  {labels.label(labels.HOLD_PURPOSES, h.get('purpose'))}  {yuan(h.get('amount'))}  "
                     f"{labels.label(labels.HOLD_STATES, h.get('state'))}")
    if not o.get("holds"):
        lines.append("  " + _("none"))
    return "\n".join(lines)


def refusal(response: dict[str, Any]) -> str:
    """A refused response in one line: the message, then each field problem."""
    parts = [str(response.get("error") or response.get("code") or _("refused"))]
    parts += [f"{e.get('field', '')}: {e.get('message', '')}" for e in response.get("errors") or []]
    return "; ".join(p for p in parts if p)
