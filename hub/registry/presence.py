"""Which kits are online and where, folded into the locksmith rows that dispatch reads.

The hub service calls `kit_state` for each presence message (birth, heartbeat, last will) and
`kit_position` for each position report; linking a kit recomputes the locksmith's row too.

A kit is online only while its connection is: its last will takes it offline when the broker sees the
link drop, and `expire_silent` (a hub ticker) takes it offline when no birth or heartbeat has arrived
for `SILENCE_LIMIT_MS` by the hub's clock: a kit that froze (SIGSTOP, a hung sync loop, a half-open
link the broker has not noticed yet) would otherwise be offered orders it never answers.
"""

from __future__ import annotations

from hub.db import Conn, transaction
from hub.ingest import store as ingest_store
from hub.registry import store
from protocol.clock import Clock


def kit_state(conn: Conn, clock: Clock, kit_id: str, online: bool) -> None:
    now = clock.now_ms()
    with transaction(conn):
        store.put_kit_online(conn, kit_id, online, now)
        refresh_for_kit(conn, kit_id)


def kit_state_message(conn: Conn, clock: Clock, kit_id: str, online: bool, since_ms: int) -> bool:
    """A signed `kit.state` (birth or will). Birth and will of one connection share `since`; a will of an
    older connection arriving after a newer birth is stale (ingest kept the newest `since` in
    kit_link_state) and changes nothing. Returns whether presence was updated."""
    link = ingest_store.link_status(conn, kit_id)
    if link is not None and since_ms < link[1]:
        return False
    kit_state(conn, clock, kit_id, online)
    return True


# Kits repeat their online state every heartbeat (edge SyncSettings.heartbeat_s, 60 s by default); 2.5
# of them may be missed before the kit counts as gone, so one lost or late heartbeat changes nothing.
HEARTBEAT_MS = 60_000
SILENCE_LIMIT_MS = HEARTBEAT_MS * 5 // 2


def silent_kits(conn: Conn, clock: Clock, limit_ms: int = SILENCE_LIMIT_MS) -> dict[str, int]:
    """Kits shown online but not heard from within `limit_ms`: kit id -> when last heard."""
    return store.silent_kits(conn, clock.now_ms() - limit_ms)


def expire_silent(conn: Conn, clock: Clock, limit_ms: int = SILENCE_LIMIT_MS,
                  only: dict[str, int] | None = None) -> list[str]:
    """Mark offline every kit not heard from within `limit_ms` (of `only`, those still last heard when
    `only` says); returns their ids."""
    now = clock.now_ms()
    silent = silent_kits(conn, clock, limit_ms)
    if only is not None:
        silent = {k: v for k, v in silent.items() if only.get(k) == v}
    if not silent:
        return []
    with transaction(conn):
        for kit_id, heard in silent.items():
            store.mark_kit_offline(conn, kit_id, heard, now)
            refresh_for_kit(conn, kit_id)
    return list(silent)


class SilenceWatch:
    """The hub's deadline check, confirmed: a kit found silent is marked offline only if it is still
    silent, unheard since, at a check at least `confirm_s` later (monotonic, i.e. real seconds). A jump of
    the injected clock (a test or the demo moving time on by hours) makes every kit look silent at once;
    kits on that clock answer with a heartbeat within a second, and only a kit that stays silent goes."""

    def __init__(self, limit_ms: int = SILENCE_LIMIT_MS, confirm_s: float = 2.0) -> None:
        self.limit_ms = limit_ms
        self.confirm_s = confirm_s
        self._suspects: dict[str, int] = {}
        self._since = 0.0

    def check(self, conn: Conn, clock: Clock, now_s: float) -> list[str]:
        if not self._suspects:
            self._suspects = silent_kits(conn, clock, self.limit_ms)
            self._since = now_s
            return []
        if now_s - self._since < self.confirm_s:
            return []
        gone = expire_silent(conn, clock, self.limit_ms, only=self._suspects)
        self._suspects = {}
        return gone


def kit_position(conn: Conn, clock: Clock, kit_id: str, lat: float, lon: float,
                 at_ms: int | None = None) -> None:
    now = clock.now_ms()
    at = at_ms if at_ms is not None else now
    with transaction(conn):
        store.put_kit_position(conn, kit_id, lat, lon, at, now)
        refresh_for_kit(conn, kit_id)


def locksmith_of_kit(conn: Conn, kit_id: str) -> str | None:
    """The locksmith who carries the kit now, if any."""
    return store.locksmith_of_kit(conn, kit_id)


def refresh_for_kit(conn: Conn, kit_id: str) -> None:
    locksmith_id = locksmith_of_kit(conn, kit_id)
    if locksmith_id is not None:
        refresh_locksmith(conn, locksmith_id)


def refresh_locksmith(conn: Conn, locksmith_id: str) -> None:
    """Recompute kit_online / live_kit_id / position from the locksmith's linked kits."""
    kits = store.presence_of_locksmith(conn, locksmith_id)
    online = sorted((k for k in kits if k.online), key=lambda k: k.updated_ms, reverse=True)
    positioned = sorted((k for k in kits if k.pos_ms is not None), key=lambda k: k.pos_ms or 0, reverse=True)
    store.set_locksmith_presence(conn, locksmith_id, online[0].kit_id if online else None,
                                 positioned[0] if positioned else None)
