"""A Party (console, customer app) keeps a bounded window of what it received: a console open for weeks
does not grow, readers keep their place across the trimming, and waiters still find fresh answers."""

from __future__ import annotations

import threading

from lockwarden.clients import party as party_mod
from lockwarden.clients.party import Party
from lockwarden.console.link import ConsoleLink
from protocol.envelope import seal_envelope
from protocol.keys import SigningKey
from protocol.transport.base import Inbound
from protocol.transport.paho_mqtt import LinkSettings

HUB = SigningKey.generate()


def _party() -> Party:
    # never started: messages are fed to its receive path as the network thread would
    return Party("op-1", SigningKey.generate(), HUB.public_b64(), LinkSettings(host="127.0.0.1", port=1, client_id="t"),
                 up_topic="lw/v1/ops/op-1/req", down_topics=["lw/v1/ops/op-1/resp"])


def _event(p: Party, n: int, signer: SigningKey = HUB) -> None:
    env = seal_envelope(signer, sender="hub", seq=n, ts=n, type_name="ops.event",
                        body={"kind": "tick", "at_ms": n, "data": {"n": n}})
    p._on_message(Inbound("lw/v1/ops/events", env.to_wire()))


def test_the_window_is_bounded_and_readers_keep_their_place(monkeypatch) -> None:
    monkeypatch.setattr(party_mod, "MAX_SEEN", 100)
    p = _party()
    link = ConsoleLink(p)  # type: ignore[arg-type]
    got: list[int] = []
    for n in range(1, 1001):
        _event(p, n)
        if n % 7 == 0:
            got += [e["data"]["n"] for e in link.new_events()]
    got += [e["data"]["n"] for e in link.new_events()]
    assert got == list(range(1, 1001))  # read often enough: nothing missed, nothing twice
    assert len(p.seen) <= 100
    _event(p, 2000, signer=SigningKey.generate())  # not the pinned hub key: refused, not kept
    assert p.refused and p.seen[-1].env.seq == 1000


def test_a_waiter_finds_its_answer_after_the_window_moved(monkeypatch) -> None:
    monkeypatch.setattr(party_mod, "MAX_SEEN", 10)
    p = _party()
    found: list[int] = []
    waiter = threading.Thread(target=lambda: found.append(p.wait_for(lambda r: r.env.seq == 95, 10).env.seq))
    waiter.start()
    for n in range(1, 100):
        _event(p, n)
    waiter.join(10)
    assert found == [95]
