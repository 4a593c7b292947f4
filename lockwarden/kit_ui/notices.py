"""What the kit tells the locksmith in words, never as a code: why an offer closed, what became of an
accepted one, why a job stopped, and device errors without their "[0x02]"."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from edge.faults import fault_text
from edge.job.steps import StepRefused
from edge.kitlink.client import KitLinkDown, KitLinkError
from protocol.i18n import _

_CODE = re.compile(r"^\s*\[0x[0-9A-Fa-f]{2}\]\s*")


def offer_closed_text(reason: str) -> str:
    """The hub's OfferClosed reasons (hub/dispatch/engine.py, hub/dispatch/confirm.py), said to a person."""
    return {
        "expired": _("The offer expired: the time to answer ran out"),
        "not_eligible": _("The hub withdrew the offer: you are no longer eligible for this job"),
        "customer_rejected": _("The customer chose another locksmith: the offer is withdrawn"),
        "refused": _("You refused the offer"),
        "withdrawn": _("The hub withdrew the offer"),
        "cancelled": _("The customer cancelled the order"),
        "answer_refused": _("The hub did not take your answer: the offer was no longer open"),
    }.get(reason, _("The hub closed the offer"))


def accepted_text(service: Any, order_id: str) -> str:
    """After Accept: confirmed once the hub's order reached the kit, else still waiting for it."""
    flow = service.flow
    if flow is not None:
        try:
            flow.job(order_id)
        except Exception:  # not on the kit yet (StepRefused), or the link is down
            pass
        else:
            return _("Order confirmed: it is on the Home screen")
    return _("Accepted: the hub confirms the order")


def aborted_text(info: dict[str, Any], history_reason: str = "") -> str:
    return _("The order was cancelled: stop work, the evidence is sealed") if info.get("aborted_by") == "hub" \
        else _("Job aborted: seal the evidence")


def error_text(exc: BaseException) -> str:
    """A fault as the person should read it: what happened and what to do, never a code or an errno. Over
    the kit link the service already sent that sentence (edge/faults.py); the code is stripped anyway, in
    case an older service sent it."""
    if isinstance(exc, KitLinkDown):
        return _("The kit service does not answer: wait a moment and try again; restart the kit if it stays so")
    if isinstance(exc, KitLinkError):
        return _CODE.sub("", str(exc))
    return fault_text(exc)


def step_outcome(fn: Callable[[], Any], done: str) -> tuple[str, bool]:
    """Run one step the locksmith asked for and say how it went: (text, is_error). A refusal is said as the
    step gives it; anything else (no finger, no match, a device fault) was recorded by the service or the
    flow, and is said without its code."""
    try:
        fn()
    except StepRefused as exc:
        return str(exc), True
    except Exception as exc:
        return error_text(exc), True
    return done, False
