"""Opening a masked ID number: the operator gives a reason, the hub logs the opening (`id.open`) and only
then answers with the whole number."""

from __future__ import annotations

from collections.abc import Callable

from lockwarden.console.actions import Ask, errors_of
from lockwarden.console.fmt import mask_id
from lockwarden.console.formscreen import Field, FormScreen
from protocol.i18n import _


def open_id_form(ask: Ask, subject: str, ref: str, opened: Callable[[str], None], *,
                 shown: str | None = None) -> FormScreen:
    fields = [Field("reason", _("Why the whole number is needed"))]
    note = _("ID number {masked}. Opening it is logged at the hub under your name, with this reason.").format(
        masked=mask_id(shown or ref) if subject == "customer_warning" else ref)

    async def submit(v: dict[str, str]) -> dict[str, str]:
        if not v["reason"].strip():
            return {"reason": _("say why the whole ID number is needed")}
        resp = await ask("id.open", {"subject": subject, "ref": ref, "reason": v["reason"].strip()})
        if resp.get("ok"):
            opened(str((resp.get("result") or {}).get("id_number", "")))
        return errors_of(resp, ["reason"])

    return FormScreen(_("Open a masked ID number"), fields, submit, note=note)
