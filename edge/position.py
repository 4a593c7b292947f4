"""Position reports (R-4's ETA and R-8's arrival): the kit records its GNSS fix periodically as a
`gnss.position` record, non-essential (refused first when the disk is low, never evicting evidence)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from edge.store import KitStore, StoreError


class PositionReporter:
    def __init__(self, store: KitStore, latest: Callable[[], Any], every_s: float = 60.0) -> None:
        self.store = store
        self.latest = latest  # edge.job.devices.Fix (lat, lon, quality, satellites, hdop) or None: no fix
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reported = 0

    def report_now(self) -> bool:
        pos = self.latest()
        if pos is None:
            return False
        try:
            data = pos.as_dict() if hasattr(pos, "as_dict") else {"lat": pos.lat, "lon": pos.lon}
            self.store.add_record("gnss.position", data, essential=False)
        except StoreError:
            return False
        self.reported += 1
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="position", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.report_now()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
