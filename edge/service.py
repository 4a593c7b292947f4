"""The kit service process: store + sync + hardware + the on-site job, until SIGTERM.

`build_kit_service` is the one factory for `lockwarden kit run` (under systemd,
firmware_config/systemd/lockwarden-kit.service), the demo and the tests. Without a `[hardware]` section in
kit.toml the service is store-and-forward only; `python -m edge.service --dir KIT_DIR` runs it without
the CLI (the crash tests use it).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from edge.app import KitApp, make_kit
from edge.job.purge import purge_due
from edge.kitlink.server import KitLinkServer
from edge.kitlock import KitBusy, KitLock
from edge.offers import OfferInbox, Policy
from edge.position import PositionReporter
from protocol.clock import Clock
from protocol.storage import open_when_writable

log = logging.getLogger(__name__)


@dataclass
class KitService:
    app: KitApp
    offers: OfferInbox
    flow: Any = None  # edge.job.flow.JobFlow when the kit has hardware configured
    positions: PositionReporter | None = None
    link: KitLinkServer | None = None
    lock: KitLock | None = None

    @property
    def link_path(self) -> Path:
        return self.app.dir / self.app.settings.link_socket

    def start(self) -> None:
        """Take the kit directory's lock (KitBusy if another service holds it), then sync, hardware and the
        UI's link."""
        if self.lock is None:
            self.lock = KitLock(self.app.dir)
            self.lock.acquire()
        self.app.start()
        if self.flow is not None:
            fp: Any = getattr(self.flow.devices, "fingerprint", None)
            if fp is not None and getattr(getattr(fp, "config", None), "emulator_control", None):
                fp.sensor()  # an emulator a person drives (the sandbox): its control socket from the start
            restarted = self.flow.resume()
            if restarted:
                log.warning("video restarted after a restart for orders %s", restarted)
        if self.positions is not None:
            self.positions.report_now()
            self.positions.start()
        self.link = KitLinkServer(self, self.link_path)
        self.link.start()
        if self.flow is not None:
            # A login lapses when it is next read (edge/job/session.py); read it now and then, so the kit
            # reports the lapse (a signed session.logout) and the hub stops offering even if nobody looks;
            # and erase customers' data that is due (edge/job/purge.py).
            self._idle_stop = threading.Event()
            self._idle_thread = threading.Thread(target=self._watch_session, name="session-idle", daemon=True)
            self._idle_thread.start()

    def set_out(self, order_id: str) -> str:
        """The locksmith leaves for the site (R-7): the job flow records `job.set_out` like any step."""
        if self.flow is None:
            from edge.job.steps import StepRefused
            from protocol.i18n import _

            raise StepRefused(_("This kit has no job hardware configured"))
        self.flow.set_out(order_id)
        return order_id

    def _watch_session(self) -> None:
        every = max(1.0, min(30.0, self.flow.settings.session_idle_s / 10))
        while not self._idle_stop.wait(every):
            try:
                self.flow.session()
                purge_due(self.flow)  # the customer's data, once acknowledged and past its retention
            except Exception:  # a store fault is reported by the store; this watch must not die of it
                log.exception("session idle check or personal-data purge failed")

    def stop(self) -> None:
        idle_stop = getattr(self, "_idle_stop", None)
        if idle_stop is not None:
            idle_stop.set()
        if self.link is not None:
            self.link.stop()
        if self.positions is not None:
            self.positions.stop()
        self.app.sync.stop()
        if self.flow is not None:
            self.flow.close()
        self.app.store.close()
        if self.lock is not None:
            self.lock.release()


def build_kit_service(kit_dir: Path, *, clock: Clock | None = None, broker_port: int | None = None,
                      offer_policy: Policy | None = None, position_every_s: float = 60.0) -> KitService:
    app = make_kit(kit_dir, clock=clock, broker_port=broker_port)
    offers = OfferInbox(app.store, offer_policy, gate=_no_hardware)
    app.sync.handlers.update(offers.downlink_handlers())
    service = KitService(app, offers)
    if app.settings.hardware:
        from edge.job.kitdir import hardware_config, make_job_flow

        flow = make_job_flow(app.store, Path(kit_dir), hardware_config(app.settings.hardware))
        app.sync.handlers.update(flow.downlink_handlers())
        service.flow = flow
        offers.gate = partial(login_gate, flow)
        offers.answered.append(flow.touch_session)
        service.positions = PositionReporter(app.store, flow.position, every_s=position_every_s)
    return service


def _no_hardware() -> str | None:
    from protocol.i18n import _

    return _("This kit has no hardware configured: nobody can log in, so it takes no offers")


def login_gate(flow: Any) -> str | None:
    """Login first: offers are shown and answered only while a locksmith is logged in on the kit."""
    from protocol.i18n import _

    return None if flow.session() is not None else _("Log in first: offers are shown only to a logged-in "
                                                       "locksmith")


EXIT_BUSY = 2


def run_kit(kit_dir: Path, *, status_every_s: float = 0.0) -> int:
    """Exit 2 with one line when another service already runs on the directory."""
    lock = KitLock(kit_dir)
    try:  # before anything opens the store, the broker session or a serial port
        lock.acquire()
    except (KitBusy, OSError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_BUSY
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        # On a full disk the store cannot even be opened: wait for space, saying why, rather than exit.
        service = open_when_writable(lambda: build_kit_service(kit_dir), "kit: opening its store", log, stop=stop)
    except Exception:
        lock.release()
        if stop.is_set():
            return 0
        raise
    service.lock = lock
    service.start()
    b = service.app.settings.broker
    log.info("kit %s started: store %s, hub broker %s:%d, hardware %s", service.app.settings.kit_id,
             service.app.store.dir, b.host, b.port, "configured" if service.flow is not None else "none")
    try:
        while not stop.wait(status_every_s or 3600):
            if status_every_s:
                print(json.dumps(service.app.sync.status()), flush=True)
    finally:
        service.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="edge.service")
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--status-every", type=float, default=0.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    return run_kit(args.dir, status_every_s=args.status_every)


if __name__ == "__main__":
    sys.exit(main())
