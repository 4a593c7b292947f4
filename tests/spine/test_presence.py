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
