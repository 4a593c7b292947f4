"""Demo part 4b: the police at work on their export (issue 13). An officer searches by a customer's ID number
(`police-query --person`: the customer's orders, followed record by record), opens the ID card photos of
that customer's request (`police-open`, sealed to the police key since they left the hub), and
`police-verify` shows both in the export's hash-chained access log."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from typing import Any

from hub.orders import store as order_store
from lockwarden.demo.city import City, cli_env
from lockwarden.demo.police import PoliceSide
from protocol.i18n import _

OFFICER = "王警官 010234"


def _masked(number: str) -> str:
    return "*" * max(len(number) - 4, 0) + number[-4:]


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lockwarden", *argv], capture_output=True, text=True, env=cli_env())


def run(city: City, say: Any, police: PoliceSide, orders: dict[str, Any]) -> bool:
    order = orders["eta"][0]
    hub = city.world.hub
    assert hub is not None
    with hub._lock:
        number = str(order_store.request(hub.conn, order)["customer_id_number"])
    found = _cli("police-query", str(police.out), "--person", number, "--officer", OFFICER, "--json")
    hits = json.loads(found.stdout or "[]") if found.returncode == 0 else []
    orders_found = sorted({h["order_id"] for h in hits if h.get("order_id")})
    via = Counter(h.get("via") for h in hits)
    say(_("  police-query --person {id}: {orders} orders, {n} records ({direct} name the number, {followed} found "
          "through the orders)").format(id=_masked(number), orders=len(orders_found), n=len(hits),
                                        direct=via["id_number"], followed=via["order"] + via["locksmith"]))
    families = {"order": _("order records"), "job": _("on-site steps"), "evidence": _("evidence bundles"),
                "documents": _("documents"), "followup": _("follow-up"), "risk": _("warnings"),
                "police": _("police decisions")}
    kinds = Counter(str(h["kind"]).split(".", 1)[0] for h in hits if h.get("order_id") == order)
    say(_("  {order}: {kinds}").format(order=_order_name(say, order), kinds=_(", ").join(
        f"{families.get(k, k)} {n}" for k, n in sorted(kinds.items(), key=lambda kv: list(families).index(kv[0])
                                                          if kv[0] in families else 99))))
    opened_dir = city.world.dir / "police" / "opened-request"
    opened = _cli("police-open", str(police.out), "--order", order, "--key",
                  str(police.station / "keys" / "police_sealing.key"), "--out", str(opened_dir), "--officer", OFFICER)
    images = [line for line in opened.stdout.splitlines() if "request." in line]
    for line in images[:3]:
        say("  | " + line)
    verify = _cli("police-verify", str(police.out), "--hub-key", str(city.world.home.keys / "hub_signing.pub"))
    for line in verify.stdout.splitlines():
        if line.strip().startswith(("access log", "访问日志")):
            say("  | " + line.strip())
    access = [json.loads(line)["entry"] for line in (police.out / "access.jsonl").read_text(encoding="utf-8")
              .splitlines()] if (police.out / "access.jsonl").exists() else []
    for e in access[-2:]:
        # the criteria: the limit of lines shown and the folder written are no part of what was looked at
        what = _(", ").join(_what(say, k, v) for k, v in e["what"].items() if k not in ("out", "limit"))
        say(_("  access log: {officer} ({user}@{host}) {action} {what}: {n} in the answer").format(
            officer=e["officer"], user=e["os_user"], host=e["host"],
            action=_("searched") if e["action"] == "query" else _("opened"), what=what, n=e["results"]))
    return (found.returncode == 0 and order in orders_found and opened.returncode == 0 and bool(images)
            and verify.returncode == 0 and len(access) >= 2)


def _order_name(say: Any, order_id: str) -> str:
    """The story's short number for an order (a plain callable `say` has none: the order's last digits)."""
    return str(say.orders(order_id)) if hasattr(say, "orders") else order_id[-8:]


def _what(say: Any, key: str, value: Any) -> str:
    """One criterion of an access-log line as a person reads it: no whole ID number, no order id."""
    if key == "person":
        return _("the person with ID number {id}").format(id=_masked(str(value)))
    if key == "order":
        return _order_name(say, str(value))
    return f"{key} {value}"
