"""Demo: faults the hub rides out (issue 8). Its store refuses writes as on a full disk (injected: the demo
need not run as root to mount a small disk; tests/faults does both) and the hub holds everything
unacknowledged, then stores it once when space returns, without a restart; its progress note says what
`lockwarden hub status` shows; a kit whose link closes is offline at once and offered nothing."""

from __future__ import annotations

import logging
from typing import Any

from hub.db.sqlite import refuse_writes
from hub.dispatch import candidates
from hub.ingest import store as ingest
from hub.registry import store as registry
from hub.service import PROGRESS_FILE
from lockwarden.demo.city import LOCKSMITHS, SITE, City, wait
from protocol.i18n import _
from protocol.progress import read_progress


def _online(city: City, kit_id: str) -> bool:
    hub = city.world.hub
    assert hub is not None
    with hub._lock:
        return any(k["kit_id"] == kit_id and k["online"] for k in registry.kits_overview(hub.conn))


def _offered(city: City) -> set[str]:
    hub = city.world.hub
    assert hub is not None
    with hub._lock:
        found = candidates.find(hub.conn, lat=SITE[0], lon=SITE[1],
                                lock_class="B", category="open", rule="eta", limit=50)
    return {c.kit_id for c in found}


def run(city: City, say: Any) -> bool:
    say.scene(_("The hub's disk is full"))
    w = city.world
    hub = w.hub
    assert hub is not None
    kit_id, kit = next(iter(w.kits.items()))
    # The hub logs the refused writes for its operator; here the story says it, once.
    log = logging.getLogger("hub.service")
    level = log.level
    log.setLevel(logging.CRITICAL)
    with hub._lock:
        refuse_writes(hub.conn, True)  # every write refused, as on a full or read-only disk
    try:
        ids = [kit.store.add_record("kit.selftest", {"n": i, "note": "full-disk check"}, essential=False).id
               for i in range(5)]
        refused = wait(lambda: hub.storage.active, 30)
        say(_("  the hub's database refuses every write: the hub acknowledges nothing, and {name}'s kit keeps its {n} "
              "new records").format(name=LOCKSMITHS[kit_id][0], n=kit.store.backlog()[0]))
    finally:
        with hub._lock:
            refuse_writes(hub.conn, False)

    def stored_once() -> bool:
        with hub._lock:
            return all(ingest.record_sha256(hub.conn, i) is not None for i in ids)

    caught_up = wait(stored_once, 60) and wait(lambda: kit.store.backlog() == (0, 0), 60)
    log.setLevel(level)
    say(_("  space is back: the hub stores all {n} once and acknowledges them, without a restart").format(n=len(ids)))
    note = read_progress(w.home.dir / PROGRESS_FILE) or {}
    say(_("  `lockwarden hub status` shows the hub's last progress (batch {batches}); the hub and the police "
          "export tell systemd they are alive from their working loops, and a hung one is restarted").format(
        batches=note.get("batches", "?")))

    say.scene(_("A kit leaves"))
    last = list(city.services)[-1]
    svc = city.services[last]
    transport = svc.app.transport
    assert transport is not None
    transport.stop()  # its link closes: the kit says it left (its will), the hub marks it offline at once
    gone = wait(lambda: not _online(city, last), 30) and last not in _offered(city)
    say(_("  {name}'s kit loses its link: offline at once, and dispatch offers it nothing (a kit silent for 2.5 "
          "heartbeats goes offline too)").format(name=LOCKSMITHS[last][0]))
    transport.start()
    back = wait(lambda: _online(city, last), 30)
    say(_("  {name}'s kit reconnects: online again").format(name=LOCKSMITHS[last][0]))
    return bool(refused and caught_up and gone and back)
