"""Words and numbers as the operator reads them: order states, times, money in yuan, event lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from protocol.i18n import _


def state_label(state: str | None) -> str:
    labels = {
        "new": _("new"), "scheduled": _("scheduled"), "dispatching": _("dispatching"),
        "unassigned": _("unassigned"), "awaiting_customer": _("awaiting customer"),
        "awaiting_payment": _("awaiting payment"), "formed": _("formed"), "en_route": _("en route"),
        "on_site": _("on site"), "verified": _("verified on site"), "in_progress": _("in progress"),
        "completed": _("completed"), "awaiting_documents": _("awaiting documents"),
        "documents_verified": _("documents verified"), "case_opened": _("case opened"), "disputed": _("disputed"),
        "cancelled": _("cancelled"), "abandoned": _("abandoned"), "closed_by_police": _("closed by the police"),
    }
    return labels.get(state or "", state or "")


def choice_label(field: str, value: Any) -> str:
    """A closed field's code (rule, lock type, service) as the operator reads it."""
    from lockwarden.console.hotline import choices

    return next((label for label, v in choices().get(field, []) if v == value), str(value or ""))


def hub_text(text: Any) -> str:
    """A reason the hub stored in its own language: an English one is shown in the console's language
    (same catalogues), anything else as it is."""
    return _(str(text)) if text else ""


def when(ms: Any) -> str:
    """Local date and time of an epoch-ms value ('' for none)."""
    if not isinstance(ms, int | float) or ms <= 0:
        return ""
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def yuan(fen: Any) -> str:
    if not isinstance(fen, int):
        return ""
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(fen) // 100}.{abs(fen) % 100:02d}"


def short(order_id: Any) -> str:
    """The tail of a time-ordered id: the part that differs between orders of the same hour."""
    text = str(order_id or "")
    return text[-8:] if len(text) > 8 else text


def mask_id(number: Any) -> str:
    """A resident ID number as a person reads it unless deliberately opened: the last 4 characters."""
    text = str(number or "")
    return "*" * max(len(text) - 4, 0) + text[-4:]


def offer_label(state: str) -> str:
    return {"open": _("offer open"), "accepted": _("offer accepted"), "refused": _("offer refused"),
            "expired": _("offer expired"), "withdrawn": _("offer withdrawn"),
            "rejected": _("rejected by the customer")}.get(state, state)


def event_label(kind: str) -> str:
    """An ops event kind in words; the kind itself stays beside it (it is what the docs and logs name)."""
    words = {
        "order.requested": _("request received"), "offer.sent": _("offer sent"),
        "evidence.complete": _("evidence complete"), "evidence.problem": _("evidence problem"),
        "kit_record_refused": _("kit step refused"), "documents.overdue": _("documents overdue"),
        "followup.due": _("follow-up due"), "order.kit_aborted": _("job aborted on the kit"),
    }.get(kind)
    head, _dot, tail = kind.partition(".")
    if words is None and head == "order":
        words = _("order {state}").format(state=state_label(tail))
    elif words is None and head == "offer":
        words = offer_label(tail)
    return f"{words} ({kind})" if words and words != kind else kind


def event_line(body: dict[str, Any]) -> str:
    """One ops event on one line: time, kind, order, then the other fields as key=value."""
    rest = {k: v for k, v in body.items() if k not in ("kind", "at_ms", "order_id")}
    parts = [when(body.get("at_ms")), event_label(str(body.get("kind", "")))]
    if body.get("order_id"):
        parts.append(_("order") + " " + str(body["order_id"]))
    parts += [f"{k}={v}" for k, v in rest.items()]
    return "  ".join(p for p in parts if p)


def order_detail(o: dict[str, Any]) -> str:
    """`order.show` as plain text: the order, its transitions (actor, reason), offers and escrow holds."""
    lines = [
        f"{_('Order')} {o.get('id', '')}   {_('State')}: {state_label(o.get('state'))}",
        f"{_('Customer')}: {o.get('customer_id', '')}   {_('Rule')}: {choice_label('rule', o.get('rule'))}   "
        f"{_('Lock')}: {choice_label('lock_class', o.get('lock_class'))} / "
        f"{choice_label('category', o.get('category'))}",
        f"{_('Site')}: {o.get('site_address', '')}",
        f"{_('Locksmith')}: {o.get('locksmith_id') or '-'}   {_('Prepayment')}: {yuan(o.get('prepayment_fen'))}   "
        f"{_('Deposit')}: {yuan(o.get('deposit_fen'))}   {_('Escrow balance')}: {yuan(o.get('escrow_balance'))}",
        "",
        _("Transitions"),
    ]
    for t in o.get("transitions") or []:
        lines.append(f"  {when(t.get('at_ms'))}  {state_label(t.get('from_state')) or '-'} -> "
                     f"{state_label(t.get('to_state'))}  [{t.get('event', '')}]  {t.get('actor', '')}"
                     + (f"  {hub_text(t['reason'])}" if t.get("reason") else ""))
    lines += ["", _("Offers")]
    for f in o.get("offers") or []:
        lines.append(f"  #{f.get('rank', '')}  {f.get('locksmith_id', '')}  {f.get('kit_id', '')}  "
                     f"{_('ETA')} {f.get('eta_s', '')}s  {f.get('state', '')}  {when(f.get('offered_ms'))}")
    if not o.get("offers"):
        lines.append("  " + _("none"))
    lines += ["", _("Escrow holds")]
    for h in o.get("holds") or []:
        lines.append(f"  {h.get('purpose', '')}  {yuan(h.get('amount'))}  {h.get('state', '')}")
    if not o.get("holds"):
        lines.append("  " + _("none"))
    return "\n".join(lines)


def refusal(response: dict[str, Any]) -> str:
    """A refused response in one line: the message, then each field problem."""
    parts = [str(response.get("error") or response.get("code") or _("refused"))]
    parts += [f"{e.get('field', '')}: {e.get('message', '')}" for e in response.get("errors") or []]
    return "; ".join(p for p in parts if p)
