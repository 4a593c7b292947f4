"""Nagle's algorithm is off on every MQTT link, at both ends.

With it on, a small packet (a PUBACK, the hub's media ack) written while an earlier small one is
unacknowledged waits for the peer's delayed ACK, up to 40 ms on Linux; a kit whose chunk window was full
waited with it, once per window: the 100 MB upload ran at 155 MB/s, 330-364 MB/s without (bench_media).
"""

from __future__ import annotations

import socket

from edge.app import make_kit
from hub.service import make_hub
from tests.conftest import Deployment
from tests.spine.helpers import poll


def _nodelay(transport: object) -> int:
    sock = transport._client.socket()  # type: ignore[attr-defined]
    assert sock is not None
    return int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def test_the_broker_is_configured_without_nagle(deployment: Deployment) -> None:
    lines = deployment.broker.files.conf.read_text().splitlines()
    assert "set_tcp_nodelay true" in lines


def test_kit_and_hub_sockets_have_nagle_off(deployment: Deployment) -> None:
    hub = make_hub(deployment.home.dir)
    hub.start()
    kit = make_kit(deployment.kits["kit-a"])
    kit.start()
    try:
        assert poll(lambda: hub.transport is not None and hub.transport.connected and kit.sync.transport is not None
                    and kit.sync.transport.connected, 20)
        assert _nodelay(hub.transport) == 1
        assert _nodelay(kit.sync.transport) == 1
    finally:
        kit.stop()
        hub.stop()
