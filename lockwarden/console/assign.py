"""Assign form: the operator offers the selected order to a locksmith they choose from the hub's candidates
(`order.candidates`, best first), through `order.assign`. The locksmith's kit still has to accept, and if
it does not, dispatch carries on by itself."""

from __future__ import annotations

from typing import Any

from lockwarden.console.actions import Ask, errors_of
from lockwarden.console.formscreen import Field, FormScreen
from protocol.i18n import _


def candidate_label(c: dict[str, Any]) -> str:
    minutes = max(1, round(int(c.get("eta_s") or 0) / 60))
    return _("{name}: about {minutes} min away, {km} km").format(name=c.get("name") or c.get("locksmith_id"),
                                                                 minutes=minutes, km=c.get("dist_km", ""))


def assign_form(ask: Ask, order_id: str, number: str, candidates: list[dict[str, Any]]) -> FormScreen:
    fields = [Field("locksmith_id", _("Locksmith"), options=[(candidate_label(c), str(c["locksmith_id"]))
                                                            for c in candidates]),
              Field("reason", _("Reason (kept with the order)"))]
    note = _("The locksmith's kit receives an ordinary offer and must accept it; an open offer to someone else is "
             "withdrawn. If it is refused or expires, dispatch carries on by itself.")

    async def submit(v: dict[str, str]) -> dict[str, str]:
        resp = await ask("order.assign", {"order_id": order_id, "locksmith_id": v["locksmith_id"],
                                          "reason": v["reason"].strip()})
        return errors_of(resp, ["locksmith_id", "reason"])

    return FormScreen(_("Assign order No. {n} to a locksmith").format(n=number), fields, submit, note=note)
