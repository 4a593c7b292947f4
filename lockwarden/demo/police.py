"""Demo part 4: the police side (R-11 to R-14). The export runs as its own process (as on a police
machine), fed over MQTT by the hub's forwarder; a missed document deadline opens a case, which the police
decide (`police-decide`: the frozen deposit back to the customer), mismatched documents raise a red warning,
an officer searches the export and opens an order's evidence, and `police-verify` proves the export (and its
access log of that search and opening) offline at the end."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from typing import Any

from hub.provisioning import provision_principal
from lockwarden.demo.city import City, cli_env, resident_id, wait
from lockwarden.demo.money import police_decide
from lockwarden.demo.onsite import order_state
from lockwarden.demo.photos import document_photo
from lockwarden.demo.story import mask_id, words_list
from protocol.i18n import _
from protocol.labels import ORDER_STATES, label, risk_reason

DAY_MS = 24 * 3600 * 1000


class PoliceSide:
    def __init__(self, city: City) -> None:
        self.city = city
        self.out = city.world.dir / "police" / "export"
        self.proc: subprocess.Popen[bytes] | None = None

    def provision(self) -> None:
        """Before the hub starts: the police's keys (signing for acks, sealing for evidence) and account."""
        w = self.city.world
        self.station = w.dir / "police" / "station"
        _key, self.password = provision_principal(w.home, "police", "police", self.station, clock=w.clock)
        # The decision desk signs and connects as a principal of its own: one connection per broker account.
        provision_principal(w.home, "police-desk", "police", self.station, clock=w.clock)

    def start(self) -> None:
        w = self.city.world
        principals = self.station
        w.broker.reload()
        time.sleep(0.3)
        env = cli_env()
        log = open(w.dir / "police" / "export.log", "ab")  # noqa: SIM115  (kept open for the child's life)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lockwarden", "police-export", "--out", str(self.out),
             "--hub-key", str(w.home.keys / "hub_signing.pub"), "--police-key", str(principals / "keys" / "police.key"),
             "--port", str(w.broker.port), "--username", "police",
             "--password-file", str(principals / "keys" / "police.broker_password"),
             "--notifier", "log"],
            env=env, stdout=log, stderr=log)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _forwarded(city: City) -> dict[str, Any]:
    hub = city.world.hub
    assert hub is not None
    with hub._lock:
        return dict(hub.plugins["police"].status())


def run(city: City, say: Any, police: PoliceSide, orders: dict[str, Any]) -> bool:
    w = city.world
    eta_order = orders["eta"][0]
    # The customer sends documents in someone else's name: the hub scores the order red.
    city.customer("cu-zhang").submit_documents(eta_order, [document_photo(t) for t in ("ID card", "vehicle licence?")],
                                               ["id_card", "property_deed"], holder_name="张山",
                                               holder_id_number=resident_id(777, "19660606"))
    say.scene(_("A red warning and a case (R-11, R-12)"))
    say(_("  {customer} submits documents for {order} in another person's name; nobody verifies them").format(
        customer="张三", order=say.number(eta_order)))
    w.clock.advance(3 * DAY_MS + 60_000)
    say(_("  three days pass on the hub's clock"))
    case_opened = wait(lambda: order_state(city, eta_order) == "case_opened", 30)
    red: list[dict[str, Any]] = []

    def red_raised() -> bool:
        red[:] = list((city.call("risk.list", {"level": "red"}) or {}).get("warnings", []))
        return bool(red)

    wait(red_raised, 30)
    for warn in red[:2]:
        reasons = words_list(r if isinstance(r, str) else _("{reason} (+{points} points)").format(
            reason=risk_reason(r), points=f"{r.get('weight') or 0:g}") for r in warn.get("reasons", []))
        who = _("the customer") if warn.get("subject") == "customer" else _("the locksmith")
        say(_("  RED warning on {who} with ID number {sid}: {reasons}").format(
            who=who, sid=mask_id(warn.get("subject_id")), reasons=reasons))
    say(_("  {order} is now {state}; the police side opens a case and notifies the duty officer").format(
        order=say.orders(eta_order), state=label(ORDER_STATES, order_state(city, eta_order))))
    decided = police_decide(city, say, police.station, eta_order)
    drained = wait(lambda: (s := _forwarded(city))["backlog"] == 0 and s["acked_seq"] > 0 and not s["diverged"], 120)
    # One more tick so the checkpoint of the acknowledged head reaches the export's manifest.
    time.sleep(2.0)
    status = _forwarded(city)
    say.scene(_("What the police hold: their own export, verified offline (R-14)"))
    say(_("  the hub forwarded {n} records to the police, each acknowledged; {b} still waiting").format(
        n=status["acked_seq"], b=status["backlog"]))
    police.stop()
    query = subprocess.run([sys.executable, "-m", "lockwarden", "police-query", str(police.out), "--order", eta_order,
                            "--json"], capture_output=True, text=True, env=cli_env())
    try:
        found = len(json.loads(query.stdout))
    except ValueError:
        found = 0
    say(_("  `lockwarden police-query --order` finds {n} entries of {order} in the export: the request, each step "
          "of the job, the warning, the case and the decision").format(n=found, order=say.orders(eta_order)))
    opened_dir = w.dir / "police" / "opened"
    opened = subprocess.run([sys.executable, "-m", "lockwarden", "police-open", str(police.out), "--order",
                             orders["grade"][0], "--key", str(police.station / "keys" / "police_sealing.key"),
                             "--out", str(opened_dir)], capture_output=True, text=True, env=cli_env())
    say(_("  `lockwarden police-open` unseals {n} files of {order} with the police's own key (photos, the ID "
          "number, the fingerprint) into {dir}").format(n=len(opened.stdout.strip().splitlines()),
                                                        order=say.orders(orders["grade"][0]), dir=opened_dir))
    # The hub key as the police pinned it, and the police's own record of what they acknowledged (kept by
    # police-export beside its key, outside the export), so a cut or rolled-back export cannot pass.
    keys = police.station / "keys"
    verify = subprocess.run([sys.executable, "-m", "lockwarden", "police-verify", str(police.out), "--hub-key",
                             str(w.home.keys / "hub_signing.pub"), "--acked", str(keys / "police.acked.json"),
                             "--police-key", str(keys / "police.key")], capture_output=True, text=True, env=cli_env())
    # after the search and the opening above, so its access log has them: nothing the police read goes unlogged
    for line in verify.stdout.strip().splitlines()[-12:]:
        say("  | " + line)
    js_ok = _second_opinion(say, police, w.home.keys / "hub_signing.pub", keys)
    say(_("  the export is in {dir}").format(dir=police.out))
    return (case_opened and decided and bool(red) and drained and verify.returncode == 0 and opened.returncode == 0
            and js_ok)


def _second_opinion(say: Any, police: PoliceSide, hub_key: Any, keys: Any) -> bool:
    """The export checked again by the JavaScript verifier written from docs/police.md alone (js/), when
    this is a checkout with Node.js: the same verdict from an independent implementation."""
    import shutil
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "js" / "verify-export.mjs"
    node = shutil.which("node")
    if node is None or not script.exists():
        say(_("  (no Node.js, or no js/ folder as in a checkout: the JavaScript verifier is skipped)"))
        return True
    out = subprocess.run([node, str(script), str(police.out), "--hub-key", str(hub_key), "--acked",
                          str(keys / "police.acked.json"), "--police-key", str(keys / "police.key")],
                         capture_output=True, text=True)
    try:
        verdict = json.loads(out.stdout)
    except ValueError:
        verdict = {"ok": False, "problems": [out.stderr.strip()[-200:]]}
    say(_("  second implementation (js/verify-export.mjs, written from docs/police.md): {verdict}, {n} entries, "
          "checkpoint at seq {cp}").format(verdict="OK" if verdict.get("ok") else "FAILED",
                                           n=verdict.get("entries"), cp=verdict.get("checkpointSeq")))
    return bool(verdict.get("ok")) and out.returncode == 0
