"""One police export record as an officer reads it: what it is, whom or which order it is about, and the
few facts that matter, in the reader's language (labels from protocol/labels.py, money in yuan, resident
ID numbers to their last 4 characters: `police-open` and `--json` give the whole record)."""

from __future__ import annotations

from typing import Any

from protocol import labels
from protocol.i18n import _, stored
from protocol.orderno import short_order


def masked(number: Any) -> str:
    text = str(number or "")
    return "*" * max(len(text) - 4, 0) + text[-4:]


def locksmith_names(hits: list[Any]) -> dict[str, str]:
    """Locksmith id -> name, from the filing records among `hits` (the latest filing wins)."""
    return {str(h.entity_id): str(h.data["name"]) for h in hits
            if h.kind in ("locksmith.filed", "locksmith.updated") and h.data.get("name")}


def about(kind: str, entity_id: str, data: dict[str, Any], names: dict[str, str]) -> str:
    """Whom or what the record is about: an order by its short number, a person by name."""
    order = data.get("order_id") or (entity_id if kind.split(".")[0] in ("order", "job", "evidence") else "")
    if order:
        return _("order {no}").format(no=short_order(str(order)))
    if kind.startswith("locksmith."):
        return names.get(entity_id) or str(data.get("name") or _("locksmith {id}").format(id=entity_id[-6:]))
    if kind.startswith("unit."):
        return str(data.get("name") or _("unit {id}").format(id=entity_id[-6:]))
    return ""


def facts(kind: str, data: dict[str, Any], names: dict[str, str]) -> list[str]:
    """The facts of one record that an officer reads first."""
    out: list[str] = []
    nested = data.get("request")
    request: dict[str, Any] = nested if isinstance(nested, dict) else data
    customer = bool(request.get("customer_name"))
    if customer:
        out.append(_("customer {name} (ID {id})").format(name=request.get("customer_name", ""),
                                                         id=masked(request.get("customer_id_number"))))
        out.append(str(request.get("site_address", "")))
        vouch = request.get("officer") or request.get("witness")
        if isinstance(vouch, dict):
            out.append(_("vouched by {name}").format(name=vouch.get("name", "")))
    if kind == "risk.warning":
        out.append(_("{level} warning about {who}").format(
            level=labels.label(labels.WARNING_LEVELS, data.get("level")),
            who=_("the customer") if data.get("subject") == "customer" else _("the locksmith")))
        number = data.get("customer_id_number") or data.get("id_number")
        if number:
            out.append(_("ID {id}").format(id=masked(number)))
        out += [labels.risk_reason(r) for r in data.get("reasons") or []]
    if kind.startswith("locksmith.") and data.get("grade"):
        out.append(labels.label(labels.GRADES, data["grade"]))
    for key in ("site_address", "address"):
        if data.get(key) and not customer:
            out.append(str(data[key]))
    locksmith = data.get("locksmith_id")
    if locksmith and not kind.startswith("locksmith."):
        out.append(_("locksmith {name}").format(name=names.get(str(locksmith), str(locksmith)[-6:])))
    if data.get("kit_id"):
        out.append(_("kit {kit}").format(kit=data["kit_id"]))
    if data.get("fee_fen") is not None:
        out.append(_("fee {amount}").format(amount=labels.yuan(data["fee_fen"])))
    stars = data.get("stars", data.get("rating"))
    if stars is not None:
        out.append(_("{n} stars").format(n=stars))
    if isinstance(data.get("manifest"), dict):
        files = data["manifest"].get("files") or []
        out.append(_("{n} files").format(n=len(files)))
    refused = data.get("refused")
    if isinstance(refused, dict):
        out.append(_("refused by the hub: {why}").format(why=stored(str(refused.get("message", "")))))
    if data.get("reason"):
        out.append(stored(str(data["reason"])))
    actor = str(data.get("actor") or "")
    if actor.startswith("operator:"):
        out.append(_("by operator {who}").format(who=actor.split(":", 1)[1]))
    return [f for f in out if f]


def row(hit: Any, names: dict[str, str]) -> str:
    """What, about whom, the facts; the record's place in the export last (to open or cite it)."""
    subject = about(hit.kind, str(hit.entity_id), hit.data, names)
    parts = [labels.police_kind(hit.kind), subject, *facts(hit.kind, hit.data, names)]
    return _("; ").join(p for p in parts if p)
