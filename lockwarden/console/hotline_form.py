"""The hotline request form (R-3): every field of the request, the hub's field errors beside each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lockwarden.console import hotline
from lockwarden.console.actions import Ask
from lockwarden.console.formscreen import Field, FormScreen
from protocol.i18n import _


def hotline_form(ask: Ask, on_created: Callable[[str], Any] | None = None) -> FormScreen:
    labels, choices = hotline.labels(), hotline.choices()
    fields = [Field(name, labels[name], options=choices.get(name)) for name in hotline.FIELDS]

    async def submit(values: dict[str, str]) -> dict[str, str]:
        args, problems = hotline.build(values)
        if args is None:
            return problems
        resp = await ask("order.create", args)
        if resp.get("ok"):
            if on_created is not None:
                on_created(str((resp.get("result") or {}).get("order_id", "")))
            return {}
        return hotline.field_errors(resp)

    return FormScreen(_("Hotline unlock request"), fields, submit,
                      note=_("Either a witness or an on-duty officer vouches for the customer. Ctrl+S sends."))
