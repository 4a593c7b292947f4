"""Presence that tells the truth: a kit is online only while its connection is. A kit process SIGKILLed
goes offline by its last will; a kit SIGSTOPped sends no will (the broker still holds its connection)
but its heartbeats stop and the hub, checking the deadline on its own (injected) clock, marks it offline.
Dispatch's candidate search then offers either nothing; a kit that comes back is offered again."""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

from edge.app import change_kit_settings, make_kit
from hub.dispatch import candidates
from hub.registry.presence import SILENCE_LIMIT_MS
from hub.service import make_hub
from lockwarden.demo.city import SITE
from protocol.clock import FakeClock
from tests.e2e.test_hub_killed_during_offer import _file_city
from tests.spine.helpers import kill, poll, spawn, terminate


def _online(conn: sqlite3.Connection, kit_id: str) -> bool:
    row = conn.execute("SELECT online FROM kit_presence WHERE kit_id=?", (kit_id,)).fetchone()
    return bool(row and row[0])


def _offered(conn: sqlite3.Connection) -> set[str]:
    """The kits dispatch would offer an order at the site to (its own candidate search)."""
    found = candidates.find(conn, lat=SITE[0], lon=SITE[1], lock_class="B",
                            category="open", rule="eta", limit=10)
    return {c.kit_id for c in found}


def _heartbeats(conn: sqlite3.Connection, kit_id: str) -> int:
    """kit.state messages accepted from the kit (a heartbeat keeps its envelope row; births and wills a record too)."""
    return int(conn.execute("SELECT COUNT(*) FROM envelopes WHERE sender=? AND type='kit.state'",
                            (kit_id,)).fetchone()[0])


def _quiet(conn: sqlite3.Connection, kit_id: str, for_s: float = 3.0) -> bool:
    """No kit.state from the kit for `for_s` seconds (three of its heartbeats)."""
    seen = _heartbeats(conn, kit_id)
    time.sleep(for_s)
    return _heartbeats(conn, kit_id) == seen


def test_killed_and_frozen_kits_go_offline_and_get_no_offers(deployment) -> None:  # type: ignore[no-untyped-def]
    locksmith_of = _file_city(deployment.home.dir / "hub.db")
    for n, kit_id in enumerate(("kit-a", "kit-b")):
        change_kit_settings(deployment.kits[kit_id], heartbeat_s=1.0)
        kit = make_kit(deployment.kits[kit_id], connect=False)
        kit.store.add_record("gnss.position", {"lat": SITE[0] + 0.001 * (n + 1), "lon": SITE[1]})
        # Login first: the hub offers only to a locksmith logged in on the kit (the signed record a kit
        # with a sensor writes at login; these kits have no hardware).
        kit.store.add_record("session.login", {"kit_id": kit_id, "locksmith_id": locksmith_of[kit_id],
                                               "method": "fingerprint"})
        kit.store.close()
    clock = FakeClock(int(time.time() * 1000))
    hub = make_hub(deployment.home.dir, clock=clock)
    hub.start()
    procs = {k: spawn("edge.service", deployment.kits[k]) for k in ("kit-a", "kit-b")}
    conn = hub.conn
    try:
        assert poll(lambda: _offered(conn) == {"kit-a", "kit-b"}, 60)
        assert poll(lambda: _heartbeats(conn, "kit-b") >= 3, 60)  # heartbeats arrive while it runs
        clock.advance(SILENCE_LIMIT_MS // 2)
        time.sleep(1.5)  # a presence check at the new time: both still heard from recently enough
        assert poll(lambda: _online(conn, "kit-a") and _online(conn, "kit-b"), 30)

        # SIGKILL: the broker sees the socket close and publishes the kit's signed will.
        kill(procs["kit-a"])
        assert poll(lambda: not _online(conn, "kit-a"), 60)
        assert _offered(conn) == {"kit-b"}

        # SIGSTOP: the connection stays open (no will for up to 1.5 keepalives), only silence.
        procs["kit-b"].send_signal(signal.SIGSTOP)
        assert poll(lambda: _quiet(conn, "kit-b"), 60)
        assert _online(conn, "kit-b")  # not yet past its deadline on the hub's clock
        clock.advance(SILENCE_LIMIT_MS + 1_000)
        assert poll(lambda: not _online(conn, "kit-b"), 30)
        assert _offered(conn) == set()
        assert conn.execute("SELECT COUNT(*) FROM offers").fetchone()[0] == 0

        # Thawed, it speaks again and is offered again.
        procs["kit-b"].send_signal(signal.SIGCONT)
        assert poll(lambda: _online(conn, "kit-b"), 60)
        assert _offered(conn) == {"kit-b"}
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
            terminate(p)
        hub.stop()


def test_silence_limit_leaves_kits_heard_from_alone(deployment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The deadline is judged per kit on the hub's clock; a kit heard from within it stays online."""
    from hub.registry import presence

    clock = FakeClock()
    hub = make_hub(deployment.home.dir, clock=clock, connect=False)
    try:
        presence.kit_state(hub.conn, clock, "kit-a", True)
        clock.advance(SILENCE_LIMIT_MS - 1)
        presence.kit_state(hub.conn, clock, "kit-b", True)
        assert presence.expire_silent(hub.conn, clock) == []
        clock.advance(2)
        assert presence.expire_silent(hub.conn, clock) == ["kit-a"]
        assert not _online(hub.conn, "kit-a") and _online(hub.conn, "kit-b")
    finally:
        hub.conn.close()


def test_a_clock_jump_expires_only_kits_that_stay_silent(deployment) -> None:  # type: ignore[no-untyped-def]
    """The injected clock jumping hours ahead makes every kit look silent at once; a kit that answers with
    a heartbeat before the confirming check stays online, one that does not goes offline."""
    from hub.registry import presence

    clock = FakeClock()
    hub = make_hub(deployment.home.dir, clock=clock, connect=False)
    watch = presence.SilenceWatch(confirm_s=2.0)
    try:
        presence.kit_state(hub.conn, clock, "kit-a", True)
        presence.kit_state(hub.conn, clock, "kit-b", True)
        assert watch.check(hub.conn, clock, now_s=0.0) == []
        clock.advance(2 * 3600 * 1000)
        assert watch.check(hub.conn, clock, now_s=1.0) == []  # both suspected, none expired yet
        presence.kit_state(hub.conn, clock, "kit-a", True)  # kit-a's heartbeat on the new time
        assert watch.check(hub.conn, clock, now_s=2.0) == []  # too soon to confirm
        assert watch.check(hub.conn, clock, now_s=3.5) == ["kit-b"]
        assert _online(hub.conn, "kit-a") and not _online(hub.conn, "kit-b")
    finally:
        hub.conn.close()
