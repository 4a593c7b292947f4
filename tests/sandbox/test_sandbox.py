"""`lockwarden sandbox` as a person uses it: started as a process, a simulated customer's order seen at the
operator console's link, one kit driven through a whole job by its emulators' control sockets and its kit link,
the order settled at the hub, a hotline caller's service code read from the printed SMS outbox and taken by the
kit, then Ctrl+C (SIGINT) leaving no process of the sandbox behind."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from edge.hardware.control import send_command
from edge.job.idnumber import IdEntry
from edge.job.steps import StepRefused
from edge.kitlink.client import KitLinkClient
from hub.broker.process import mosquitto_binary
from lockwarden.clients.operator import open_ops_client
from lockwarden.demo.city import request_body
from lockwarden.demo.photos import request_photos
from lockwarden.sandbox.children import group_members
from lockwarden.sandbox.layout import Layout, finger
from protocol.orderno import short_order

ROOT = Path(__file__).resolve().parents[2]
ULID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")
CALLER = "13800000090"


class Output:
    """The sandbox's standard output, line by line, as it comes."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines:
                    if m := rx.search(line):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no line like {pattern!r} in:\n" + "\n".join(self.lines))
                self._cond.wait(left)


def until(pred: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def step(fn: Callable[[], Any], timeout: float = 30.0) -> Any:
    """A step the kit may refuse for a moment (the hub has not yet got the customer's identity): try again,
    as a locksmith watching the screen would."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except StepRefused:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_sandbox_job_by_hand_then_ctrl_c_leaves_nothing(tmp_path: Path) -> None:
    if mosquitto_binary() is None:
        pytest.fail("mosquitto is not installed")
    layout = Layout(tmp_path / "city")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "lockwarden", "--lang", "en", "sandbox", "--dir", str(layout.dir),
                             "--kits", "2", "--customer-every", "4", "--customers", "4"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            start_new_session=True)
    out = Output(proc)
    pids: dict[str, Any] = {}
    try:
        out.wait_for(r"Ctrl\+C stops everything", 120)
        pids = json.loads(layout.pids.read_text())
        assert {"broker", "hub", "police-export", "kit-001", "kit-002", "customer-web"} <= set(pids["children"])
        for what in ("console --config " + str(layout.operator_toml), "kit-ui --dir " + str(layout.kit("kit-001")),
                     "http://localhost:", "sms.log", f"{layout.finger_socket('kit-001')} place {finger('kit-001')}"):
            out.wait_for(re.escape(what), 1)

        # the web app lets a browser go on to the hub's sandbox pay page (its form-action names that origin)
        state = json.loads(layout.state_file.read_text())
        page = urllib.request.urlopen(f"http://localhost:{state['web_port']}/login", timeout=30)
        assert f"form-action 'self' http://127.0.0.1:{state['pay_port']}" in page.headers["Content-Security-Policy"]

        # the operator console's own link sees a simulated customer's order
        ops = open_ops_client(layout.operator_toml)
        try:
            listed = until(lambda: (ops.call("order.list", {}).get("result") or {}), 60, "an order at the console")
            assert listed

            # the locksmith logs in on kit-001 with the finger placed through the emulator's control socket
            link = KitLinkClient(layout.kit("kit-001") / "kit.sock")
            fp, gnss = layout.finger_socket("kit-001"), layout.gnss_socket("kit-001")
            assert "placed" in send_command(fp, f"place {finger('kit-001')}")
            assert link.flow is not None
            flow = link.flow
            session = flow.login_fingerprint()
            send_command(fp, "remove")
            assert session.method == "fingerprint"

            offer = until(lambda: (link.offers.open_offers() or [None])[0], 60, "an offer on kit-001")
            link.offers.accept(offer.offer_id)
            order_id = offer.order_id
            # the order as the console and the kit name it ("order No. 1 (AZN-WZM)"), never by its whole id
            formed = out.wait_for(rf"order No\. (\d+) \({re.escape(short_order(order_id))}\) formed; at the site the "
                                  r"service code is (\d{6}), the customer's finger `place ([^`]+)`", 60)
            numbers = {o["id"]: o["number"] for o in ops.call("order.list", {}).get("result") or []}
            assert int(formed.group(1)) == numbers[order_id]
            out.wait_for(rf"asks for a locksmith at \S+, \S+: order No\. {numbers[order_id]} "
                         rf"\({re.escape(short_order(order_id))}\)$", 1)
            service_code, customer_finger = formed.group(2), formed.group(3)
            until(lambda: any(j.order_id == order_id for j in flow.jobs()), 30, "the job on the kit")
            link.set_out(order_id)
            assert "Receiver at" in send_command(gnss, f"goto {offer.site_lat} {offer.site_lon}")
            until(lambda: (p := flow.position()) is not None and abs(p.lat - offer.site_lat) < 1e-4, 20,
                  "the kit at the site")
            flow.arrive(service_code, order_id)
            send_command(fp, f"place {finger('kit-001')}")
            flow.verify_locksmith(order_id)
            send_command(fp, "remove")
            flow.record_consent(True, order_id)
            flow.capture_customer_photo(order_id)
            flow.capture_id_photo(order_id, id_entry=IdEntry(confirm_order=True))
            send_command(fp, f"place {customer_finger}")
            flow.capture_customer_fingerprint(order_id)
            send_command(fp, "remove")
            step(lambda: flow.start_video(order_id))  # and the photo at once, as a quick tap would
            flow.photo_before(order_id)
            flow.mark_opened(order_id, note="")
            flow.photo_after(order_id)
            flow.stop_video(order_id)
            flow.complete(15000, True, order_id, method="cash")
            link.call("flow.make_form", order_id)
            link.call("flow.seal", order_id)

            def state(oid: str) -> str:
                return str((ops.call("order.show", {"order_id": oid}).get("result") or {}).get("state"))

            until(lambda: state(order_id) == "awaiting_documents", 60, "the order settled at the hub")

            # A hotline caller keyed in by the operator: the service code reaches the caller only by SMS, and
            # the sandbox shows it, so the locksmith can be given it at the door.
            for photo in request_photos(90).values():
                ops.upload(photo, kind="identity")
            body = {**request_body(90, "eta", name="赵大爷"), "customer_mobile": CALLER}
            made = ops.call("order.create", {"customer_id": f"tel-{CALLER}", "request": body})
            assert made.get("ok"), made
            call_id = made["result"]["order_id"]

            def callers_offer() -> Any:
                for o in link.offers.open_offers():
                    if o.order_id == call_id:
                        return o
                    link.offers.refuse(o.offer_id, "busy")  # a simulated customer's: the caller comes first
                return None

            offer = until(callers_offer, 60, "the caller's offer on kit-001")
            link.offers.accept(offer.offer_id)
            until(lambda: state(call_id) == "awaiting_customer", 30, "the caller's decision asked")
            assert ops.call("order.decide", {"order_id": call_id, "accept": True}).get("ok")
            paid = ops.call("order.pay", {"order_id": call_id, "amount_fen": 25_000, "external_ref": "counter-1"})
            assert paid.get("ok"), paid
            sms = out.wait_for(rf"SMS \S+ to {CALLER}: .*?\b(\d{{6}})\b", 60)
            until(lambda: any(j.order_id == call_id for j in flow.jobs()), 30, "the caller's job on the kit")
            link.set_out(call_id)
            flow.arrive(sms.group(1), call_id)  # the kit takes the code the caller read from the SMS
            assert flow.job(call_id).step.value == "arrived"
            link.stop()
        finally:
            ops.stop()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert proc.returncode == 0, "\n".join(out.lines)
    assert not [line for line in out.lines if ULID.search(line)]  # no order (or other) id a person cannot read
    out.wait_for("Stopped", 5)
    groups = [proc.pid] + [c["pgid"] for c in pids.get("children", {}).values()]
    left = {g: group_members(g) for g in groups}
    assert not any(left.values()), left
    assert not [c for c in pids.get("children", {}).values() if _alive(c["pid"])]
    assert not layout.pids.exists()
