"""Kits tab: which kits are online, where they last were, what they still have to sync, who carries them;
and the police forwarding's health in the status line (a second op)."""

from __future__ import annotations

from typing import Any

from lockwarden.console.actions import Ask
from lockwarden.console.fmt import when
from lockwarden.console.listpane import ListPane
from protocol.i18n import _


class KitsPane(ListPane):
    op = "kits.list"

    async def fetch(self, ask: Ask) -> dict[str, Any]:
        kits = await ask(self.op, {})
        police = await ask("police.status", {})
        if kits.get("ok"):
            kits = {**kits, "result": {"kits": kits.get("result") or [], "police": police.get("result")}}
        return kits

    def columns(self) -> list[str]:
        return [_("Kit"), _("Online"), _("Locksmith"), _("Position"), _("Seen"), _("To sync"), _("Refused")]

    def rows(self, result: Any) -> list[tuple[Any, ...]]:
        out = []
        for k in (result or {}).get("kits", []):
            pos = f"{k['lat']:.5f}, {k['lon']:.5f}" if k.get("lat") is not None else "-"
            backlog = _("{r} records, {f} files").format(r=k.get("backlog_records") or 0, f=k.get("backlog_files") or 0)
            out.append((k["kit_id"], _("yes") if k.get("online") else _("no"), k.get("locksmith") or "-", pos,
                        when(k.get("updated_ms")), backlog, k.get("quarantined", 0)))
        return out

    def summary(self, result: Any, rows: list[tuple[Any, ...]]) -> str:
        p = (result or {}).get("police") or {}
        if not p:
            return ""
        text = _("Police forwarding: {acked} of {sealed} records acknowledged, {backlog} waiting").format(
            acked=p.get("acked", 0), sealed=p.get("sealed", 0), backlog=p.get("backlog", 0))
        if p.get("diverged"):
            text += "  " + _("STOPPED: the export's chain differs from the hub's ({why})").format(why=p["diverged"])
        return text
