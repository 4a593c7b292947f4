"""The project's own hostile suite, against a real Mosquitto with the shipped config and a running hub.

Attackers hold real accounts (a kit `kit-b`, a customer app `cust-1`, an operator console `op-1`: each its own
broker password and signing key) and publish with raw paho or `mosquitto_pub` on the topics the ACL lets them
write. Every case must be refused by the hub with one of the reasons it is declared to deserve, kept in
quarantine (a bounded prefix), and acknowledged; after each case a legitimate record from `kit-a` must still
be stored and acknowledged to kit-a, and the `hub-ingest` thread must be alive. Counts are printed:
`pytest -s tests/hostile` shows them.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from hub.provisioning import provision_principal
from hub.service import HubApp, make_hub
from protocol import topics
from protocol.clock import SystemClock
from protocol.ids import new_id
from protocol.keys import SigningKey
from protocol.limits import QUARANTINE_RAW_PREFIX
from tests.hostile.craft import Signer, hostile_frames, hostile_payloads, traversal_begins
from tests.spine.helpers import kit_password, poll, publish, raw_client, wait_hub_online

ATTACKERS = ("kit-b", "cust-1", "op-1")


@dataclass
class Arena:
    root: Path
    port: int
    hub: HubApp
    kit_a: Signer
    ack_ids: set[str]
    clients: dict[str, mqtt.Client]
    signers: dict[str, Signer]
    passwords: dict[str, str]
    tried: int = 0
    refused: dict[str, int] = field(default_factory=dict)

    def legit_round_trip(self) -> None:
        """A record from kit-a is stored and acknowledged to kit-a; the ingest thread is alive."""
        wire = self.kit_a.record("legit.after_attack")
        msg_id = json.loads(wire)["id"]
        publish(self.clients["kit-a"], topics.KIT_UP_RECORD.build(kit_id="kit-a"), wire)
        assert poll(lambda: msg_id in self.ack_ids, 30), "a legitimate record was not acknowledged"
        assert self.hub.conn.execute("SELECT 1 FROM kit_records WHERE id=?", (msg_id,)).fetchone()
        assert self.hub._thread is not None and self.hub._thread.is_alive()

    def attack(self, who: str, topic: str, name: str, payload: bytes, reasons: set[str]) -> None:
        before = self._last_n()
        publish(self.clients[who], topic, payload)
        self.legit_round_trip()  # processed in order after the attack: its verdict is in by now
        rows = self.hub.conn.execute(
            "SELECT reason, raw, raw_size FROM quarantine WHERE n > ? ORDER BY n", (before,)).fetchall()
        mine = [r for r in rows if bytes(r[1]) == payload[:QUARANTINE_RAW_PREFIX]]
        assert mine, f"{who} {name}: not quarantined (new entries: {[r[0] for r in rows]})"
        assert mine[-1][0] in reasons, f"{who} {name}: refused as {mine[-1][0]}, expected one of {reasons}"
        assert len(bytes(mine[-1][1])) <= QUARANTINE_RAW_PREFIX and mine[-1][2] == len(payload)
        self.tried += 1
        self.refused[mine[-1][0]] = self.refused.get(mine[-1][0], 0) + 1

    def accepted_from_attackers(self) -> int:
        marks = ",".join("?" * len(ATTACKERS))
        return sum(self.hub.conn.execute(sql.format(marks), ATTACKERS).fetchone()[0] for sql in (
            "SELECT COUNT(*) FROM envelopes WHERE sender IN ({})",
            "SELECT COUNT(*) FROM kit_records WHERE sender IN ({})",
            "SELECT COUNT(*) FROM media_files WHERE sender IN ({})"))

    def _last_n(self) -> int:
        return int(self.hub.conn.execute("SELECT COALESCE(MAX(n), 0) FROM quarantine").fetchone()[0])


@pytest.fixture
def arena(deployment, tmp_path: Path) -> Iterator[Arena]:  # type: ignore[no-untyped-def]
    home = deployment.home
    clock = SystemClock()
    signers: dict[str, Signer] = {}
    passwords: dict[str, str] = {}
    for kit in ("kit-a", "kit-b"):
        signers[kit] = Signer(kit, SigningKey.from_b64((deployment.kits[kit] / "keys" / "kit_signing.key").read_text()),
                              clock)
        passwords[kit] = kit_password(deployment.kits[kit])
    for pid, role in (("cust-1", "customer"), ("op-1", "operator")):
        key, password = provision_principal(home, pid, role, tmp_path / pid)
        signers[pid], passwords[pid] = Signer(pid, key, clock), password
    deployment.broker.reload()
    hub = make_hub(home.dir)
    hub.start()
    clients: dict[str, mqtt.Client] = {}
    try:
        wait_hub_online(deployment.port, deployment.probes["probe-watch"])
        ack_ids: set[str] = set()
        lock = threading.Lock()

        def on_ack(c: Any, u: Any, m: mqtt.MQTTMessage) -> None:
            body = json.loads(m.payload).get("body", {})
            with lock:
                ack_ids.update(body.get("stored", []))

        for who in ("kit-a", *ATTACKERS):
            clients[who] = raw_client(deployment.port, who, passwords[who], who)
        subscribed = threading.Event()
        clients["kit-a"].on_subscribe = lambda *a: subscribed.set()
        clients["kit-a"].on_message = on_ack
        clients["kit-a"].subscribe(topics.KIT_DOWN_ACK.build(kit_id="kit-a"), qos=1)
        assert subscribed.wait(10)
        arena = Arena(tmp_path, deployment.port, hub, signers["kit-a"], ack_ids, clients, signers, passwords)
        arena.legit_round_trip()
        yield arena
    finally:
        for c in clients.values():
            c.loop_stop()
            c.disconnect()
        hub.stop()


UP = {"kit-b": topics.KIT_UP_RECORD.build(kit_id="kit-b"), "cust-1": topics.CUSTOMER_UP.build(customer_id="cust-1"),
      "op-1": topics.OPS_REQ.build(operator_id="op-1")}
MEDIA = {"kit-b": topics.KIT_UP_MEDIA.build(kit_id="kit-b"),
         "cust-1": topics.CUSTOMER_UP_MEDIA.build(customer_id="cust-1"),
         "op-1": topics.OPS_MEDIA.build(operator_id="op-1")}


def test_every_hostile_class_from_every_role_is_refused_and_the_hub_keeps_serving(arena: Arena) -> None:
    for who in ATTACKERS:
        s = arena.signers[who]
        for name, payload, reasons in hostile_payloads(s, record_type=who.startswith("kit")):
            arena.attack(who, UP[who], name, payload, reasons)
        for name, payload, reasons in traversal_begins(s) + hostile_frames(s):
            arena.attack(who, MEDIA[who], name, payload, reasons)
        arena.attack(who, MEDIA[who], "oversized_media_message", b'{"pad":"' + b"x" * (1024 * 1024 + 10) + b'"}',
                     {"oversized"})
    # nothing any id named was created outside the hub's folders
    assert not list(arena.root.rglob("escaped*")) and not Path("/tmp/escaped-abs.part").exists()
    assert not list(Path("/tmp").glob("escaped*"))
    assert arena.accepted_from_attackers() == 0
    print(f"\nhostile suite: {arena.tried} cases tried, {arena.accepted_from_attackers()} accepted; "
          f"refusals by reason: {dict(sorted(arena.refused.items()))}")


def test_mosquitto_pub_poison_is_refused_once_and_acknowledged(arena: Arena) -> None:
    """The issue's poison message, sent with the real `mosquitto_pub` as an attacker would: quarantined once,
    never redelivered (the hub's broker session holds nothing after it), ingest goes on."""
    poison = arena.root / "poison.json"
    poison.write_bytes(b'{"body":{"x":' + b"[" * 1000 + b"1" + b"]" * 1000 + b"}}")
    before = arena._last_n()
    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(arena.port), "-u", "kit-b", "-P",
                    arena.passwords["kit-b"], "-i", "kit-b-pub", "-q", "1", "-t", UP["kit-b"], "-f", str(poison)],
                   check=True, timeout=30)
    arena.legit_round_trip()
    arena.legit_round_trip()
    reasons = [r[0] for r in arena.hub.conn.execute("SELECT reason FROM quarantine WHERE n > ?", (before,))]
    assert reasons == ["too_deep"]


def test_kit_media_bounds(arena: Arena) -> None:
    s = arena.signers["kit-b"]
    media = arena.root / "hub" / "media" / "partial"
    huge = s.begin(new_id(s.clock.now_ms()), size=100 * 1024**3, kind="video.segment")
    arena.attack("kit-b", MEDIA["kit-b"], "announce_100_GB", huge, {"oversized"})
    assert not any(p.stat().st_size > 1024**3 for p in media.glob("*.part"))
    # unfinished uploads per kit are capped (the cap's worth of announces are real files: then refused)
    from protocol.limits import MAX_OPEN_UPLOADS

    for _ in range(MAX_OPEN_UPLOADS["kit"]):
        publish(arena.clients["kit-b"], MEDIA["kit-b"], s.begin(new_id(s.clock.now_ms()), size=10))
    arena.legit_round_trip()
    open_now = arena.hub.conn.execute("SELECT COUNT(*) FROM media_files WHERE sender='kit-b' AND status='partial'")
    assert open_now.fetchone()[0] == MAX_OPEN_UPLOADS["kit"]
    arena.attack("kit-b", MEDIA["kit-b"], "one_upload_too_many", s.begin(new_id(s.clock.now_ms()), size=10),
                 {"upload_limit"})


def test_replayed_and_altered_records_are_not_stored_twice(arena: Arena) -> None:
    kit_a = arena.kit_a
    wire = kit_a.record("legit.original")
    msg_id = json.loads(wire)["id"]
    topic = topics.KIT_UP_RECORD.build(kit_id="kit-a")
    publish(arena.clients["kit-a"], topic, wire)
    arena.legit_round_trip()
    publish(arena.clients["kit-a"], topic, wire)  # the same bytes again: a duplicate, acknowledged, not stored twice
    arena.legit_round_trip()
    assert arena.hub.conn.execute("SELECT COUNT(*) FROM kit_records WHERE id=?", (msg_id,)).fetchone()[0] == 1
    env = json.loads(wire)
    same_id = kit_a.wire("kit.record", {"kind": "job.aborted", "captured_at": 1, "data": {}}, msg_id=msg_id)
    arena.attack("kit-a", topic, "same_id_other_content", same_id, {"replay"})
    same_seq = kit_a.wire("kit.record", {"kind": "job.aborted", "captured_at": 1, "data": {}}, seq=env["seq"])
    arena.attack("kit-a", topic, "same_seq_other_id", same_seq, {"replay"})
    assert arena.hub.conn.execute("SELECT kind FROM kit_records WHERE id=?", (msg_id,)).fetchone()[0] == "legit.original"


def test_a_flooding_account_is_rate_limited_and_nobody_else_loses_a_message(arena: Arena) -> None:
    from protocol.limits import SENDER_RATE

    s = arena.signers["cust-1"]
    flood = SENDER_RATE["customer"].burst + 300
    c = arena.clients["cust-1"]
    infos = [c.publish(UP["cust-1"], s.wire("evil.type", {"n": i}), qos=1) for i in range(flood)]
    legit = [arena.kit_a.record("legit.during_flood") for _ in range(20)]
    for wire in legit:
        publish(arena.clients["kit-a"], topics.KIT_UP_RECORD.build(kit_id="kit-a"), wire)
    for info in infos:
        info.wait_for_publish(30)
    arena.legit_round_trip()
    ids = [json.loads(w)["id"] for w in legit]
    assert all(i in arena.ack_ids for i in ids)  # every legitimate record stored and acknowledged
    reasons = dict(arena.hub.conn.execute(  # rate-limited entries are filed under the flooding account
        "SELECT reason, COUNT(*) FROM quarantine WHERE sender='cust-1' GROUP BY reason"))
    assert reasons.get("rate_limited", 0) >= 1, reasons
    assert sum(reasons.values()) >= flood  # every flood message refused and kept (nothing accepted, nothing lost)
    assert arena.accepted_from_attackers() == 0
    print(f"\nflood: {flood} messages from cust-1, refused {reasons}; 20 of kit-a's records stored and acknowledged")


def test_topics_of_other_accounts_are_closed_by_the_broker(arena: Arena) -> None:
    """Signed correctly by the attacker but published on a topic its account does not own: the shipped ACL
    drops it at the broker (nothing reaches the hub), from every role."""
    tries = [
        ("kit-b", topics.KIT_UP_RECORD.build(kit_id="kit-a"), arena.signers["kit-b"].record()),
        ("kit-b", topics.CUSTOMER_UP.build(customer_id="cust-1"), arena.signers["kit-b"].record()),
        ("cust-1", topics.KIT_UP_RECORD.build(kit_id="kit-b"), arena.signers["cust-1"].record()),
        ("cust-1", topics.OPS_REQ.build(operator_id="op-1"), arena.signers["cust-1"].record()),
        ("op-1", topics.KIT_UP_MEDIA.build(kit_id="kit-a"), arena.signers["op-1"].begin(new_id(1))),
        ("op-1", topics.POLICE_ACK.build(), arena.signers["op-1"].record()),
        ("op-1", topics.HUB_STATE.build(), arena.signers["op-1"].record()),
    ]
    before = arena._last_n()
    for who, topic, payload in tries:
        publish(arena.clients[who], topic, payload)
    arena.legit_round_trip()
    assert arena._last_n() == before  # not even quarantined: the hub never saw them
    assert arena.accepted_from_attackers() == 0
    print(f"\nacl: {len(tries)} messages on other accounts' topics, 0 reached the hub")
