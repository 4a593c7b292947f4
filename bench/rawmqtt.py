"""The raw baseline's subscriber, shared by the benches that compare a path with plain QoS 1 publishing."""

from __future__ import annotations

import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from hub.broker.config import BrokerFiles, new_password


def raw_accounts(files: BrokerFiles, topic: str) -> str:
    """Broker accounts `bench-sub` and `bench-pub`, allowed `topic` only; returns their password. The raw
    baseline's two clients get accounts of their own: the broker makes the username the client id, so two
    connections on one account would take each other's place. Call before the broker starts."""
    password = new_password()
    for name in ("bench-sub", "bench-pub"):
        files.set_password(name, password)
        files.add_acl_block(name, f"user {name}\ntopic readwrite {topic}")
    return password


def counting_subscriber(port: int, password: str, topic: str, n: int) -> tuple[mqtt.Client, threading.Event]:
    """A QoS 1 subscriber as `bench-sub`, subscribed (its SUBACK received) before this returns; the event is
    set once `n` messages have arrived. The caller stops it (`loop_stop`, `disconnect`)."""
    got = threading.Event()
    count = [0]

    def on_message(c, u, m):  # type: ignore[no-untyped-def]
        count[0] += 1
        if count[0] >= n:
            got.set()

    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-sub", clean_session=True)
    sub.username_pw_set("bench-sub", password)
    sub.on_message = on_message
    subscribed = threading.Event()
    sub.on_subscribe = lambda *a: subscribed.set()
    sub.connect("127.0.0.1", port)
    sub.loop_start()
    sub.subscribe(topic, qos=1)
    subscribed.wait(10)
    return sub, got
