"""Presence: a kit's birth and last will of one connection share `since`. A will ends its own connection;
a will of an older connection arriving after a newer birth (the broker publishes wills late) is stale."""

from __future__ import annotations

from edge.app import make_kit
from hub.service import make_hub
from protocol import topics
from protocol.envelope import seal_envelope
from protocol.messages.kit import KitState
from protocol.transport.base import Inbound


def _state(kit, status: str, since: int, seq: int) -> Inbound:  # type: ignore[no-untyped-def]
    body = KitState(status=status, since=since)  # type: ignore[arg-type]
    env = seal_envelope(kit.store.identity.key, sender="kit-a", seq=seq, ts=1_767_225_600_000 + since, type_name="kit.state", body=body)
    return Inbound(topic=topics.KIT_STATE.build(kit_id="kit-a"), payload=env.to_wire(), retained=True)


def test_will_ends_its_own_connection_only(deployment) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub(deployment.home.dir, connect=False)
    kit = make_kit(deployment.kits["kit-a"], connect=False)
    try:
        def online() -> bool:
            row = hub.conn.execute("SELECT online FROM kit_presence WHERE kit_id='kit-a'").fetchone()
            return bool(row[0])

        hub.process([_state(kit, "online", 1000, 1)])
        assert online()
        hub.process([_state(kit, "offline", 1000, 2)])  # the will of that same connection
        assert not online()
        hub.process([_state(kit, "online", 2000, 3)])  # reconnected
        hub.process([_state(kit, "offline", 1000, 4)])  # a stale will of the first connection, delivered late
        assert online()
    finally:
        kit.store.close()
        hub.conn.close()


def test_heartbeats_update_the_link_state_and_are_not_kept_whole(deployment) -> None:  # type: ignore[no-untyped-def]
    """A kit repeats its birth every minute (its heartbeat): 1,440 a day. The hub keeps births and wills whole
    (kit_records, raw bytes and all) and each heartbeat's id and signature, with what it says folded into the
    kit's link state: no row a minute a kit for ever."""
    hub = make_hub(deployment.home.dir, connect=False)
    kit = make_kit(deployment.kits["kit-a"], connect=False)
    try:
        def records() -> list[tuple[str, int]]:
            return [(str(r[0]), int(r[1])) for r in hub.conn.execute(
                "SELECT body, seq FROM kit_records WHERE sender='kit-a' AND type='kit.state' ORDER BY seq")]

        def accepted() -> int:
            return int(hub.conn.execute(
                "SELECT COUNT(*) FROM envelopes WHERE sender='kit-a' AND type='kit.state'").fetchone()[0])

        hub.process([_state(kit, "online", 1000, 1)])  # birth
        for seq in range(2, 12):
            hub.process([_state(kit, "online", 1000, seq)])  # ten heartbeats of that connection
        hub.process([_state(kit, "offline", 1000, 12)])  # its will
        hub.process([_state(kit, "online", 5000, 13)])  # a new connection's birth
        assert [seq for _body, seq in records()] == [1, 12, 13]
        assert accepted() == 13  # every one accepted: ids and signatures kept, replays still refused
        assert hub.conn.execute("SELECT value FROM ingest_stats WHERE name='heartbeats'").fetchone()[0] == 10
        row = hub.conn.execute("SELECT status, since_ms FROM kit_link_state WHERE kit_id='kit-a'").fetchone()
        assert tuple(row) == ("online", 5000)
    finally:
        kit.store.close()
        hub.conn.close()
