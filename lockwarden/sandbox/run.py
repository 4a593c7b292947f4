"""`lockwarden sandbox`: start (or reopen) the city in a folder, print what to open, run until Ctrl+C."""

from __future__ import annotations

import shlex
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from hub.broker.process import mosquitto_binary, port_open
from lockwarden.demo.city import LOCKSMITHS, cli_env
from lockwarden.sandbox.children import Children
from lockwarden.sandbox.layout import Layout, State, finger
from protocol.i18n import _


def lockwarden_command() -> list[str]:
    """How a person runs this same lockwarden: its name when that is the one on PATH, else its full path."""
    script = Path(sys.executable).parent / "lockwarden"
    found = shutil.which("lockwarden")
    if found and script.exists() and Path(found).resolve() == script.resolve():
        return ["lockwarden"]
    if not script.exists():
        return [sys.executable, "-m", "lockwarden"]
    try:  # `make sandbox` in a checkout: .venv/bin/lockwarden
        return [str(script.relative_to(Path.cwd()))]
    except ValueError:
        return [str(script)]


def _wait(pred: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not pred():
        if time.monotonic() > deadline:
            raise RuntimeError(_("{what} did not come up in {s} s").format(what=what, s=int(timeout_s)))
        time.sleep(0.1)


class Sandbox:
    def __init__(self, directory: Path, *, kits: int, customer_every_s: float, customers: int,
                 say: Callable[[str], None]) -> None:
        self.layout = Layout(directory.resolve())
        self.kits = kits
        self.customer_every_s = customer_every_s
        self.customers_limit = customers
        self.say = say
        self.stop = threading.Event()
        self.children = Children(self.layout.logs, self.layout.pids, cli_env())
        self.embedded: Any = None
        self.extras: list[Any] = []
        self.state = State()

    # -- starting ---------------------------------------------------------------------------------------
    def start(self) -> None:
        from lockwarden.sandbox import setup

        loaded = self.layout.load()
        fresh = loaded is None
        self.state = setup.prepare(self.layout, self.kits) if loaded is None else loaded
        lw = [sys.executable, "-m", "lockwarden"]
        hub = str(self.layout.hub)
        kind = self._broker(lw)
        self.say(_("Lockwarden sandbox in {dir} ({new}; broker: {kind} on 127.0.0.1:{port})").format(
            dir=self.layout.dir, new=_("new") if fresh else _("reopened"), kind=kind, port=self.state.broker_port))
        self.children.start("hub", [*lw, "hub", "run", "--dir", hub])
        self._wait_hub()
        keys = self.layout.station / "keys"
        self.children.start("police-export", [
            *lw, "police-export", "--out", str(self.layout.export), "--hub-key", str(self.layout.hub / "keys" /
                                                                                     "hub_signing.pub"),
            "--police-key", str(keys / "police.key"), "--port", str(self.state.broker_port), "--username", "police",
            "--password-file", str(keys / "police.broker_password"), "--notifier", "log"])
        if not self.state.locksmiths:
            self.say(_("Filing the unit and {n} locksmiths with the hub, enrolling their fingers on the kits...").format(
                n=len(self.state.kits)))
            from lockwarden.clients.operator import open_ops_client

            ops = open_ops_client(self.layout.operator_toml)
            try:
                setup.file_registry(self.layout, self.state, ops)
            finally:
                ops.stop()
        for kit_id in self.state.kits:
            self.children.start(kit_id, [*lw, "kit", "run", "--dir", str(self.layout.kit(kit_id))])
        self.children.start("customer-web", [*lw, "customer-web", "--hub-dir", hub, "--config",
                                             str(self.layout.web_toml)])
        _wait(lambda: port_open(self.state.web_port), 60, _("the customer web app"))
        for kit_id in self.state.kits:
            _wait(partial(self._kit_up, kit_id), 60, kit_id)
        self._say_what_to_open()
        from lockwarden.sandbox.customers import Customers
        from lockwarden.sandbox.outbox import Outbox

        self.extras.append(Outbox(self.layout.hub / "hub.db", self.layout.sms_log, self.say).start())
        if self.customer_every_s > 0:
            self.extras.append(Customers(f"http://localhost:{self.state.web_port}", self.layout.hub / "hub.db",
                                         self.say, every_s=self.customer_every_s, limit=self.customers_limit,
                                         first=self.state.customers + 1, counted=self._counted).start())

    def _kit_up(self, kit_id: str) -> bool:
        """The kit service serves its link and the emulators their control sockets."""
        return all(p.exists() for p in (self.layout.gnss_socket(kit_id), self.layout.finger_socket(kit_id),
                                        self.layout.kit(kit_id) / "kit.sock"))

    def _counted(self, next_no: int) -> None:
        self.state.customers = next_no - 1
        self.layout.save(self.state)

    def _broker(self, lw: list[str]) -> str:
        """`lockwarden broker run` (Mosquitto on the hub's rendered config; it notes its pid for reloads), else
        the demo's embedded broker in this process."""
        import os

        port = self.state.broker_port
        if port_open(port):
            raise RuntimeError(_("port {port} of this sandbox's broker is taken: is the sandbox already "
                                 "running?").format(port=port))
        if mosquitto_binary() and os.environ.get("LOCKWARDEN_DEMO_BROKER", "") != "embedded":
            self.children.start("broker", [*lw, "broker", "run", "--hub-dir", str(self.layout.hub)])
            _wait(lambda: port_open(port), 20, _("the broker"))
            return "mosquitto"
        from lockwarden.demo.broker import DemoBroker

        self.embedded = DemoBroker(self.layout.hub / "broker", port)
        self.embedded.start()
        return self.embedded.kind

    def _wait_hub(self) -> None:
        from hub.service import PROGRESS_FILE
        from protocol.progress import read_progress

        def connected() -> bool:
            doc = read_progress(self.layout.hub / PROGRESS_FILE)
            hub = self.children.running[-1]
            if hub.proc.poll() is not None:
                raise RuntimeError(_("the hub stopped: see {log}").format(log=hub.log))
            return bool(doc and doc.get("connected") and doc.get("pid") == hub.proc.pid)

        _wait(connected, 60, _("the hub"))

    def _say_what_to_open(self) -> None:
        lw = lockwarden_command()
        L = self.layout

        def cmd(*words: object) -> str:
            return shlex.join([*lw, *(str(w) for w in words)])

        say = self.say
        say("")
        say(_("Open these, each in a terminal or a browser:"))
        say("  " + _("operator console:  {cmd}").format(cmd=cmd("console", "--config", L.operator_toml)))
        for kit_id in self.state.kits:
            say("  " + _("{kit} ({name}):  {cmd}").format(kit=kit_id, name=LOCKSMITHS[kit_id][0],
                                                             cmd=cmd("kit-ui", "--dir", L.kit(kit_id))))
        say("  " + _("customer web app:  http://localhost:{port}/login (the login code arrives as an SMS below)").format(
            port=self.state.web_port))
        say("  " + _("SMS outbox:  {path} (new messages are also printed here)").format(path=L.sms_log))
        say("  " + _("police export:  {path} ({cmd})").format(path=L.export, cmd=cmd("police-query", L.export,
                                                                                       "--limit", "20")))
        say(_("Drive a kit's emulated hardware (each command answers with one line):"))
        for kit_id in self.state.kits:
            say("  " + _("{kit} finger:  {place}  (`remove` instead of `place ...` lifts it)").format(
                kit=kit_id, place=cmd("emulate", "send", L.finger_socket(kit_id), "place", finger(kit_id))))
            say("  " + _("{kit} position:  {cmd}").format(
                kit=kit_id, cmd=cmd("emulate", "send", L.gnss_socket(kit_id), "goto", "LAT", "LON")))
        if self.customer_every_s > 0:
            say(_("A simulated customer arrives every {s:g} s through the customer web app{limit}.").format(
                s=self.customer_every_s, limit="" if self.customers_limit <= 0 else
                _(" ({n} in all)").format(n=self.customers_limit)))
        else:
            say(_("No simulated customers (--customer-every 0)."))
        say(_("Logs of every process: {path}. Ctrl+C stops everything.").format(path=L.logs))
        say("")

    # -- running and stopping ------------------------------------------------------------------------------
    def serve(self) -> None:
        while not self.stop.wait(1.0):
            for child in self.children.exited():
                self.say(_("{name} stopped (exit code {code}): see {log}").format(
                    name=child.name, code=child.proc.returncode, log=child.log))

    def close(self) -> None:
        for extra in reversed(self.extras):
            extra.stop()
        self.children.stop()
        if self.embedded is not None:
            self.embedded.stop()


def run_sandbox(directory: Path, *, kits: int = 3, customer_every_s: float = 120.0, customers: int = 0) -> int:
    import logging

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("amqtt").setLevel(logging.CRITICAL)

    def say(text: str) -> None:
        print(text, flush=True)

    box = Sandbox(directory, kits=kits, customer_every_s=customer_every_s, customers=customers, say=say)
    serving = threading.Event()

    def on_signal(*_a: object) -> None:
        box.stop.set()
        if not serving.is_set():
            raise KeyboardInterrupt  # still starting: unwind to the cleanup below

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        box.start()
        serving.set()
        box.serve()
    except KeyboardInterrupt:
        pass
    except Exception as exc:
        print(_("The sandbox could not start: {error}").format(error=exc), file=sys.stderr)
        code = 1
    finally:
        serving.set()
        say(_("Stopping the sandbox..."))
        box.close()
        say(_("Stopped. Everything is kept in {dir}: run the same command to reopen it.").format(dir=box.layout.dir))
    return code
