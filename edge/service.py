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
from pathlib import Path
from typing import Any

from edge.app import KitApp, make_kit
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

    def start(self) -> None:
        self.app.start()
        if self.flow is not None:
            restarted = self.flow.resume()
            if restarted:
                log.warning("video restarted after a restart for orders %s", restarted)
        if self.positions is not None:
            self.positions.report_now()
            self.positions.start()

    def set_out(self, order_id: str) -> str:
        """The locksmith leaves for the site (R-7): the job flow records `job.set_out` like any step."""
        if self.flow is None:
            from edge.job.steps import StepRefused
            from protocol.i18n import _

            raise StepRefused(_("This kit has no job hardware configured"))
        self.flow.set_out(order_id)
        return order_id

    def stop(self) -> None:
        if self.positions is not None:
            self.positions.stop()
        self.app.sync.stop()
        if self.flow is not None:
            self.flow.close()
        self.app.store.close()


def build_kit_service(kit_dir: Path, *, clock: Clock | None = None, broker_port: int | None = None,
                      offer_policy: Policy | None = None, position_every_s: float = 60.0) -> KitService:
    app = make_kit(kit_dir, clock=clock, broker_port=broker_port)
    offers = OfferInbox(app.store, offer_policy)
    app.sync.handlers.update(offers.downlink_handlers())
    service = KitService(app, offers)
    if app.settings.hardware:
        from edge.job.kitdir import hardware_config, make_job_flow

        flow = make_job_flow(app.store, Path(kit_dir), hardware_config(app.settings.hardware))
        app.sync.handlers.update(flow.downlink_handlers())
        service.flow = flow
        service.positions = PositionReporter(app.store, flow.position, every_s=position_every_s)
    return service


def run_kit(kit_dir: Path, *, status_every_s: float = 0.0) -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        # On a full disk the store cannot even be opened: wait for space, saying why, rather than exit.
        service = open_when_writable(lambda: build_kit_service(kit_dir), "kit: opening its store", log, stop=stop)
    except Exception:
        if stop.is_set():
            return 0
        raise
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
