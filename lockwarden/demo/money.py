"""Demo: where the frozen and released money ends. The police decide a case's frozen deposit with the real
`lockwarden police-decide` (signed as the police desk's principal, over the broker); then the operator refunds
customers' money at the hub: one at the counter (manual provider, receipt recorded), one back through the
app's payment provider (its adapter called, its reference recorded)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from lockwarden.demo.city import City, cli_env
from lockwarden.demo.onsite import holds
from lockwarden.demo.story import words_list, yuan
from protocol.i18n import _
from protocol.labels import PAYMENT_PROVIDERS, label

# Who the demo's customer accounts are, by name.
CUSTOMERS = {"cu-wang": "王芳", "cu-zhang": "张三", "cu-liu": "刘洋", "cu-sun": "孙丽", "tel-13700000001": "赵大爷",
             "web-13700000002": "钱多多"}

DECISION_REASON = "Deed produced at the station; the customer lives there"


def _balance(city: City, customer_id: str) -> int:
    return int(city.call("ledger.balance", {"account": f"customer:{customer_id}"})["balance_fen"])


def police_decide(city: City, say: Any, station: Any, order_id: str) -> bool:
    """The case's officer decides: the frozen deposit goes back to the customer."""
    w = city.world
    keys = station / "keys"
    say(_("  the officer decides the case with `lockwarden police-decide`: release the frozen deposit to the "
          "customer"))
    proc = subprocess.run(
        [sys.executable, "-m", "lockwarden", "police-decide", "--order", order_id, "--deposit", "release",
         "--case", f"CASE-{order_id}", "--reason", DECISION_REASON, "--police-key", str(keys / "police-desk.key"),
         "--hub-key", str(w.home.keys / "hub_signing.pub"), "--port", str(w.broker.port),
         "--password-file", str(keys / "police-desk.broker_password")],
        capture_output=True, text=True, env=cli_env(), timeout=120)
    if proc.returncode != 0:
        for line in (proc.stdout.strip() or proc.stderr.strip()).splitlines()[:4]:
            say("  | " + line)
    customer = city.call("order.show", {"order_id": order_id})["customer_id"]
    say(_("  the hub applies the signed decision; escrow of {order}: {holds}; {name} has {money} at the hub, to "
          "be refunded").format(order=say.orders(order_id), holds=holds(city, order_id),
                                name=CUSTOMERS.get(customer, customer), money=yuan(_balance(city, customer))))
    return proc.returncode == 0


def run(city: City, say: Any) -> bool:
    due = city.call("ledger.refunds_due", {})
    say(_("  the hub's list of refunds due:"))
    for c in due["customers"]:
        came = words_list(_("{money} through {provider}").format(money=yuan(p["refundable_fen"]),
                                                                  provider=provider_words(p["provider"]))
                          for p in c["payments"])
        say(_("    {name} is owed {money}; paid in: {came}").format(
            name=CUSTOMERS.get(c["customer_id"], c["customer_id"]), money=yuan(c["balance_fen"]), came=came))
    by_id = {c["customer_id"]: c for c in due["customers"]}
    ok = "cu-zhang" in by_id and "cu-wang" in by_id
    if "cu-zhang" in by_id:  # at the counter: the operator pays out cash and records the receipt
        done = city.call("ledger.refund", {"customer_id": "cu-zhang", "receipt": "京退2026-0001",
                                           "reason": "cash refund at the counter"})
        say(_("  {name} comes to the counter: refunded {money} in cash, receipt {ref}; left at the hub: {left}").format(
            name=CUSTOMERS["cu-zhang"], money=yuan(done["amount_fen"]), ref=done["external_ref"], left=yuan(done["balance_fen"])))
        ok = ok and done["balance_fen"] == 0
    if "cu-wang" in by_id:  # back through the app's provider, against the payment the money came from
        payment = by_id["cu-wang"]["payments"][-1]
        done = city.call("ledger.refund", {"customer_id": "cu-wang", "provider": payment["provider"],
                                           "payment_id": payment["payment_id"]})
        say(_("  {name} is refunded {money} through {provider}, which confirms it; left at the hub: {left}").format(
            name=CUSTOMERS["cu-wang"], money=yuan(done["amount_fen"]), provider=provider_words(done["provider"]), left=yuan(done["balance_fen"])))
        ok = ok and done["balance_fen"] == 0
    problems = city.call("ledger.check", {})["problems"]
    say(_("  ledger check: {result}").format(result=_("sound") if not problems else "; ".join(problems)))
    return ok and not problems


def provider_words(provider: str) -> str:
    return label(PAYMENT_PROVIDERS, provider)
