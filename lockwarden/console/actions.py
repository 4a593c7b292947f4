"""The operator's order actions as forms: customer decision, counter payment, cancel, redispatch,
follow-up. Each builds a `FormScreen` whose submit sends one ops request and maps its field errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from lockwarden.console.fmt import short, yuan
from lockwarden.console.formscreen import Field, FormScreen
from protocol.i18n import _

Ask = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


def errors_of(response: dict[str, Any], fields: list[str]) -> dict[str, str]:
    """{} when accepted; else each field problem under its field and the rest under ''."""
    if response.get("ok"):
        return {}
    out: dict[str, str] = {}
    for e in response.get("errors") or []:
        name = str(e.get("field", ""))
        key = name if name in fields else ""
        out[key] = (out[key] + "; " if key in out else "") + str(e.get("message", ""))
    if "" not in out:
        out[""] = str(response.get("error") or response.get("code") or _("refused"))
    return out


def decide_form(ask: Ask, order_id: str) -> FormScreen:
    fields = [Field("accept", _("The customer's decision"),
                    options=[(_("Accept the offered locksmith"), "yes"), (_("Reject the offered locksmith"), "no")]),
              Field("reason", _("Reason (when rejecting)"))]

    async def submit(v: dict[str, str]) -> dict[str, str]:
        resp = await ask("order.decide", {"order_id": order_id, "accept": v["accept"] == "yes", "reason": v["reason"]})
        return errors_of(resp, ["accept", "reason"])

    return FormScreen(_("Customer decision for order {order}").format(order=short(order_id)), fields, submit)


def pay_form(ask: Ask, order_id: str, detail: dict[str, Any] | None) -> FormScreen:
    due = int((detail or {}).get("prepayment_fen") or 0) + int((detail or {}).get("deposit_fen") or 0)
    fields = [Field("amount_fen", _("Amount received, in fen (prepayment + deposit)"), str(due or "")),
              Field("external_ref", _("Receipt number"))]
    note = _("Cash or card at the counter (provider: manual). Due: {amount}").format(amount=yuan(due)) if due else ""

    async def submit(v: dict[str, str]) -> dict[str, str]:
        try:
            amount = int(v["amount_fen"])
        except ValueError:
            return {"amount_fen": _("a whole number of fen, e.g. 25000 for 250 yuan")}
        if not v["external_ref"].strip():
            return {"external_ref": _("the receipt number of the counter payment")}
        resp = await ask("order.pay", {"order_id": order_id, "amount_fen": amount,
                                       "external_ref": v["external_ref"].strip(), "provider": "manual"})
        return errors_of(resp, ["amount_fen", "external_ref"])

    return FormScreen(_("Counter payment for order {order}").format(order=short(order_id)), fields, submit, note=note)


# The locksmith is on the way or at the door: cancelling now pays the prepayment to them.
SET_OUT = ("en_route", "on_site", "verified")


def cancel_note(detail: dict[str, Any] | None) -> str:
    """The consequence of cancelling, said before the operator confirms."""
    d = detail or {}
    if d.get("state") in SET_OUT:
        return _("The locksmith has set out: cancelling now pays the prepayment ({amount}) to the locksmith; "
                 "the deposit goes back to the customer.").format(amount=yuan(d.get("prepayment_fen")))
    return _("Nothing has been paid to a locksmith yet: whatever the customer paid goes back to them.")


def reason_form(ask: Ask, op: str, order_id: str, detail: dict[str, Any] | None = None) -> FormScreen:
    """order.cancel or order.redispatch: the order and the operator's reason."""
    title = {"order.cancel": _("Cancel order {order}"), "order.withdraw": _("Withdraw the locksmith of order {order}")
             }.get(op, _("Send order {order} back to dispatch"))
    fields = [Field("reason", _("Reason"))]
    note = cancel_note(detail) if op == "order.cancel" else (
        _("The locksmith is taken off the order and it is dispatched again; the money already held stays in "
          "escrow.") if op == "order.withdraw" else "")

    async def submit(v: dict[str, str]) -> dict[str, str]:
        if op in ("order.cancel", "order.withdraw") and not v["reason"].strip():
            return {"reason": _("say why the order is cancelled")}
        return errors_of(await ask(op, {"order_id": order_id, "reason": v["reason"].strip()}), ["reason"])

    return FormScreen(title.format(order=short(order_id)), fields, submit, note=note)


def followup_form(ask: Ask, order_id: str) -> FormScreen:
    fields = [
        Field("channel", _("Channel"), options=[(_("SMS"), "sms"), (_("App"), "app"), (_("WeChat"), "wechat"),
                                                 (_("Voice call"), "voice")]),
        Field("outcome", _("Outcome"), options=[(_("Reached"), "reached"), (_("No answer"), "no_answer"),
                                                 (_("Refused"), "refused"), (_("Complaint"), "complaint")]),
        Field("rating", _("Rating 1-5 (blank if none)")),
        Field("note", _("Note")),
    ]

    async def submit(v: dict[str, str]) -> dict[str, str]:
        rating: int | None = None
        if v["rating"].strip():
            try:
                rating = int(v["rating"])
            except ValueError:
                return {"rating": _("a whole number from 1 to 5")}
        resp = await ask("followup.record", {"order_id": order_id, "channel": v["channel"], "outcome": v["outcome"],
                                             "rating": rating, "note": v["note"]})
        return errors_of(resp, ["channel", "outcome", "rating", "note"])

    return FormScreen(_("Follow-up of order {order}").format(order=short(order_id)), fields, submit)
