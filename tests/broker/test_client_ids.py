"""No account can connect as another's client id (issue 8 item 3).

The shipped broker config sets `use_username_as_clientid` on both listeners, so Mosquitto replaces whatever
client id a client asks for with its account (the username, or on the field listener the certificate's
common name). kit-b, with its own valid credentials, asks to be `hub`, `police` and `kit-a` over the
password listener and over the TLS listener: the broker logs it as kit-b each time, nobody is kicked off, and
the hub's persistent session keeps its queued messages and gains no subscription of the attacker's.
"""

from __future__ import annotations

import re
import time

from edge.app import make_kit
from hub.service import make_hub
from protocol import topics
from tests.broker.conftest import Client, Field
from tests.spine.helpers import poll

VICTIMS = ("hub", "police", "kit-a")


def _attack(f: Field, victim: str, *, tls: bool, clean: bool) -> Client:
    """kit-b connects asking for `victim`'s client id and subscribes to everything it may read."""
    c = Client(victim, clean=clean)
    if tls:
        c.cert(f.kits["kit-b"])
    else:
        c.password("kit-b", f.passwords["kit-b"])
    c.start(f.tls_port if tls else f.port)
    assert c.connected.wait(10), c.events
    c.c.subscribe("lw/v1/#", qos=1)
    time.sleep(0.3)  # the SUBACK; nothing to wait on that the broker would report otherwise
    return c


def test_kit_b_cannot_take_the_hubs_police_or_kit_a_client_id(field_hub: Field) -> None:
    f = field_hub
    hub = make_hub(f.home.dir)
    assert hub.transport is not None
    connects: list[bool] = []
    original = hub.transport._on_connect_cb
    hub.transport._on_connect_cb = lambda present: (connects.append(present), original and original(present))  # type: ignore[assignment, func-returns-value]
    hub.start()
    police = Client("police", clean=False).password("police", f.passwords["police"]).start(f.port)
    kit_a = Client("kit-a", clean=False).cert(f.kits["kit-a"]).start(f.tls_port)
    try:
        assert poll(lambda: len(connects) == 1, 20)
        assert police.connected.wait(10) and kit_a.connected.wait(10)
        attempts = 0
        for victim in VICTIMS:
            for tls in (False, True):
                for clean in (True, False):
                    c = _attack(f, victim, tls=tls, clean=clean)
                    c.stop()
                    attempts += 1
        # The broker gave every one of those connections kit-b's id: its log names each client.
        as_ids = re.findall(r"New client connected from \S+ as (\S+) \(", f.log())
        assert as_ids.count("kit-b") == attempts, as_ids
        assert not any(f"Client {v} already connected" in f.log() for v in VICTIMS)
        # Nobody was kicked off.
        assert len(connects) == 1 and hub.transport.connected
        assert police.disconnects == 0 and kit_a.disconnects == 0
    finally:
        police.stop()
        kit_a.stop()
        hub.stop()


def test_the_hubs_session_and_queue_survive_an_attempt(field_hub: Field) -> None:
    """While the hub is offline its session queues the kits' records; kit-b then asks for client id `hub`,
    once resuming a session and once asking for a clean one (which would discard the hub's queue if the
    broker gave it that id). The restarted hub gets every record, and no subscription of kit-b's."""
    f = field_hub
    hub = make_hub(f.home.dir)
    hub.start()
    assert poll(lambda: hub.transport is not None and hub.transport.connected, 20)
    hub.stop()  # a persistent session: the broker queues for it from now on
    kit = make_kit(f.kits["kit-a"], connect=False)
    sender = Client("kit-a").cert(f.kits["kit-a"]).start(f.tls_port)
    ids: list[str] = []
    try:
        assert sender.connected.wait(10)
        for n in range(12):
            rec = kit.store.add_record("test.queued", {"n": n})
            ids.append(rec.id)
            wire = bytes(kit.store.conn.execute("SELECT wire FROM records WHERE id=?", (rec.id,)).fetchone()[0])
            sender.c.publish(topics.KIT_UP_RECORD.build(kit_id="kit-a"), wire, qos=1).wait_for_publish(10)
        for tls in (False, True):
            for clean in (False, True):
                _attack(f, "hub", tls=tls, clean=clean).stop()
        hub = make_hub(f.home.dir)
        hub.start()

        def stored() -> int:
            # Under the hub's lock, as the hub's own threads use its connection: a read from this thread in the
            # middle of the hub reserving its first sequence block (BEGIN IMMEDIATE on the same connection)
            # made that fail as "database is locked", and the hub retried signing its will for longer than
            # this test waits.
            marks = ",".join("?" * len(ids))
            with hub._lock:
                return int(hub.conn.execute(f"SELECT COUNT(*) FROM kit_records WHERE id IN ({marks})",
                                            ids).fetchone()[0])

        assert poll(lambda: stored() == len(ids), 30), stored()
        # Had kit-b's `lw/v1/#` landed in the hub's session, the hub would now receive its own acks and
        # state and quarantine them: a fresh record round-trips and the quarantine stays empty.
        after = kit.store.add_record("test.after", {})
        wire = bytes(kit.store.conn.execute("SELECT wire FROM records WHERE id=?", (after.id,)).fetchone()[0])
        sender.c.publish(topics.KIT_UP_RECORD.build(kit_id="kit-a"), wire, qos=1).wait_for_publish(10)
        def arrived() -> bool:
            with hub._lock:
                return hub.conn.execute("SELECT 1 FROM kit_records WHERE id=?", (after.id,)).fetchone() is not None

        assert poll(arrived, 30)
        time.sleep(1.0)  # give a wrongly delivered ack time to arrive before looking
        assert hub.conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0] == 0
        assert [m for m in sender.messages] == []  # kit-a's raw sender subscribed to nothing
    finally:
        sender.stop()
        kit.store.close()
        hub.stop()
