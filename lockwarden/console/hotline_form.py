"""The hotline request form (R-3): every field of the request, the hub's field errors beside each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from lockwarden.console import hotline
from lockwarden.console.actions import Ask
from lockwarden.console.formscreen import Field, FormScreen
from protocol.i18n import _

SendImage = Callable[[bytes, str], Awaitable[dict[str, Any]]]


def hotline_form(ask: Ask, on_created: Callable[[str], Any] | None = None,
                 send_image: SendImage | None = None) -> FormScreen:
    labels, choices = hotline.labels(), hotline.choices()
    fields = [Field(name, labels[name], options=choices.get(name)) for name in hotline.FIELDS]

    async def submit(values: dict[str, str]) -> dict[str, str]:
        args, problems = hotline.build(values)
        if args is None:
            return problems
        # scanned ID cards given by path travel to the hub first; the request names them by hash
        for name, path in hotline.image_files(values).items():
            if send_image is None:
                return {name: _("give the SHA-256 of an image already at the hub")}
            sent = await send_image(path.read_bytes(), "identity")
            if not sent.get("ok"):
                return {name: str(sent.get("error") or "")}
        resp = await ask("order.create", args)
        if resp.get("ok"):
            if on_created is not None:
                on_created(str((resp.get("result") or {}).get("order_id", "")))
            return {}
        return hotline.field_errors(resp)

    return FormScreen(_("Hotline unlock request"), fields, submit,
                      note=_("Either a witness or an on-duty officer vouches for the customer. Ctrl+S sends."))
