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
from protocol.i18n import _

DECISION_REASON = "Deed produced at the station; the customer lives there"


def _balance(city: City, customer_id: str) -> int:
    return int(city.call("ledger.balance", {"account": f"customer:{customer_id}"})["balance_fen"])


def police_decide(city: City, say: Any, station: Any, order_id: str) -> bool:
    """The case's officer decides: the frozen deposit goes back to the customer."""
    w = city.world
    keys = station / "keys"
    say(_("  the officer decides the case: release the frozen deposit to the customer (lockwarden police-decide)"))
    proc = subprocess.run(
        [sys.executable, "-m", "lockwarden", "police-decide", "--order", order_id, "--deposit", "release",
         "--case", f"CASE-{order_id}", "--reason", DECISION_REASON, "--police-key", str(keys / "police-desk.key"),
         "--hub-key", str(w.home.keys / "hub_signing.pub"), "--port", str(w.broker.port),
         "--password-file", str(keys / "police-desk.broker_password")],
        capture_output=True, text=True, env=cli_env(), timeout=120)
    for line in (proc.stdout.strip() or proc.stderr.strip()).splitlines()[:4]:
        say("  | " + line)
    customer = city.call("order.show", {"order_id": order_id})["customer_id"]
    say(_("  escrow of {order}: {holds}; customer {cid} has {fen} fen at the hub, to be refunded").format(
        order=order_id, holds=holds(city, order_id), cid=customer, fen=_balance(city, customer)))
    return proc.returncode == 0


def run(city: City, say: Any) -> bool:
    say(_("== 5. Refunds: money released to customers goes back through the payment provider =="))
    due = city.call("ledger.refunds_due", {})
    for c in due["customers"]:
        came = ", ".join(f"{p['provider']} {p['external_ref']} ({p['refundable_fen']} fen)" for p in c["payments"])
        say(_("  refund due: customer {cid}, {fen} fen; paid in through {came}").format(
            cid=c["customer_id"], fen=c["balance_fen"], came=came))
    by_id = {c["customer_id"]: c for c in due["customers"]}
    ok = "cu-zhang" in by_id and "cu-wang" in by_id
    if "cu-zhang" in by_id:  # at the counter: the operator pays out cash and records the receipt
        done = city.call("ledger.refund", {"customer_id": "cu-zhang", "receipt": "京退2026-0001",
                                           "reason": "cash refund at the counter"})
        say(_("  cu-zhang refunded {fen} fen in cash, receipt {ref}; left at the hub: {left} fen").format(
            fen=done["amount_fen"], ref=done["external_ref"], left=done["balance_fen"]))
        ok = ok and done["balance_fen"] == 0
    if "cu-wang" in by_id:  # back through the app's provider, against the payment the money came from
        payment = by_id["cu-wang"]["payments"][-1]
        done = city.call("ledger.refund", {"customer_id": "cu-wang", "provider": payment["provider"],
                                           "payment_id": payment["payment_id"]})
        say(_("  cu-wang refunded {fen} fen through {provider} (its reference {ref}); left at the hub: {left} fen")
            .format(fen=done["amount_fen"], provider=done["provider"], ref=done["external_ref"],
                    left=done["balance_fen"]))
        ok = ok and done["balance_fen"] == 0
    problems = city.call("ledger.check", {})["problems"]
    say(_("  ledger check: {result}").format(result=_("sound") if not problems else "; ".join(problems)))
    return ok and not problems
