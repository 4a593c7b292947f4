"""paho-mqtt 2.x adapter: persistent session, QoS 1, manual acknowledgement, jittered reconnect.

paho's own reconnect backs off 1 s doubling to 120 s without jitter (FIELD-NOTES), so a city's kits that
lost the broker together would come back together; this adapter runs its own loop with full jitter and a
low cap, and tells the owner at once when the link is up so it can drain its backlog immediately.
"""

from __future__ import annotations

import logging
import random
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from protocol.storage import StorageTrouble, storage_problem
from protocol.transport.base import Delivery, Inbound, NotConnected, OnConnect, OnDisconnect, OnMessage, Will

log = logging.getLogger(__name__)
TCP_RTO_MAX_MS = getattr(socket, "TCP_RTO_MAX_MS", 44)  # include/uapi/linux/tcp.h (Linux 6.15)


@dataclass(frozen=True)
class LinkSettings:
    host: str
    port: int
    client_id: str
    username: str | None = None
    password: str | None = None
    keepalive: int = 30
    tls_ca: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    backoff_min_s: float = 0.2
    backoff_max_s: float = 10.0
    # 0 = unlimited. paho sends a publish at once whenever its inflight count is under the limit, even
    # while older messages wait in its queue, so a limit reorders a stream; the owners bound what they
    # have in flight themselves (the kit's record and chunk windows).
    max_inflight: int = 0
    # Ceiling on TCP's retransmission timeout (Linux >= 6.15, TCP_RTO_MAX_MS; ignored where the kernel has
    # no such option). TCP doubles the timeout while nothing gets through, up to 120 s by default, so after
    # a 30 s cellular outage the next retransmission could come ~30 s after the link is back; with a
    # 2 s ceiling the link is used again within ~2 s (bench/bench_link.py). None: the kernel's.
    rto_max_ms: int | None = None


class PahoTransport:
    def __init__(
        self,
        settings: LinkSettings,
        *,
        on_message: OnMessage,
        on_connect: OnConnect | None = None,
        on_disconnect: OnDisconnect | None = None,
        will: Will | None = None,
        will_factory: Callable[[], Will] | None = None,
        manual_ack: bool = True,
    ) -> None:
        self.settings = settings
        self._on_message = on_message
        self._on_connect_cb = on_connect
        self._on_disconnect_cb = on_disconnect
        self._subscriptions: list[str] = []
        self._connected = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._manual_ack = manual_ack
        self._will_factory = will_factory
        self._redeliver = threading.Event()
        self._trouble = StorageTrouble(f"mqtt {settings.client_id}: signing the last will", log,
                                       backoff_min_s=settings.backoff_min_s, backoff_max_s=settings.backoff_max_s)
        c = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=settings.client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=manual_ack,
            reconnect_on_failure=False,
        )
        if settings.username:
            c.username_pw_set(settings.username, settings.password)
        if settings.tls_ca:
            c.tls_set(ca_certs=settings.tls_ca, certfile=settings.tls_cert, keyfile=settings.tls_key,
                      tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self._will: Will | None = will
        if will is not None:
            c.will_set(will.topic, will.payload, qos=1, retain=will.retain)
        c.max_inflight_messages_set(settings.max_inflight)
        c.max_queued_messages_set(0)
        # Only the network thread may write to the socket. Without loop_start(), paho's publish() writes
        # from the caller's thread whenever it can take its callback lock, racing the network thread's
        # own writes, and QoS 1 messages leave out of order. A registered write hook makes publish()
        # only queue the packet and wake loop() through paho's socket pair.
        c.on_socket_register_write = lambda client, userdata, sock: None
        c.on_socket_unregister_write = lambda client, userdata, sock: None
        c.on_socket_open = self._tune_socket
        c.on_connect = self._handle_connect
        c.on_disconnect = self._handle_disconnect
        c.on_message = self._handle_message
        self._client = c

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"mqtt-{self.settings.client_id}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the link. A clean DISCONNECT makes the broker discard the will (MQTT 3.1.1), so the will is
        published here first: whoever watches this client's state hears it left, at once, as after a drop."""
        if self._will is not None and self._connected.is_set():
            try:
                info = self._client.publish(self._will.topic, self._will.payload, qos=1, retain=self._will.retain)
                info.wait_for_publish(timeout=2.0)
            except Exception as exc:  # link already going: the broker then publishes the will itself
                log.debug("%s: will not published on stop: %s", self.settings.client_id, exc)
        self._stop.set()
        try:
            self._client.disconnect()
        except Exception:  # already down
            pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def _run(self) -> None:
        """The link's one thread. Nothing may end it but stop(): a will that cannot be signed (the sender's
        sequence store is on a full disk), a callback that fails, or paho itself raising all become a
        retry after backoff, with one log line per episode."""
        attempt = 0
        unreachable = 0  # consecutive failed connects, for the WARNING cadence
        while not self._stop.is_set():
            if self._will_factory is not None:
                # A fresh signed will per connection: each drop is its own event with its own id. Without
                # one we stay away: connecting with no will (or an old one) would let the link die unseen.
                try:
                    w = self._will_factory()
                except Exception as exc:
                    attempt += 1
                    self._stop.wait(self._trouble.failed(exc))
                    continue
                self._trouble.ok()
                self._will = w
                self._client.will_set(w.topic, w.payload, qos=1, retain=w.retain)
            try:
                self._client.connect(self.settings.host, self.settings.port, self.settings.keepalive)
            except (OSError, ssl.SSLError) as exc:
                attempt += 1
                unreachable += 1
                # A broker that cannot be reached is the operator's business: WARNING on the first failure
                # and every 20th after (backoff is capped at backoff_max_s, so a line every few minutes, not
                # a flood); the retries between are DEBUG.
                self._sleep_backoff(attempt, f"cannot reach the broker at {self.settings.host}:{self.settings.port}: "
                                             f"{exc}", warn=unreachable == 1 or unreachable % 20 == 0)
                continue
            except Exception as exc:  # paho raising on bad state; keep the thread
                log.exception("%s: connect raised", self.settings.client_id)
                attempt += 1
                self._sleep_backoff(attempt, f"connect raised: {exc}")
                continue
            unreachable = 0
            rc: MQTTErrorCode | None = None
            self._redeliver.clear()
            try:
                while not self._stop.is_set() and not self._redeliver.is_set():
                    rc = self._client.loop(timeout=0.05)
                    if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                        break
                    if self._connected.is_set():
                        attempt = 0
            except Exception:
                log.exception("%s: network loop raised; reconnecting", self.settings.client_id)
            if self._redeliver.is_set():
                # A message we could not take (its handler failed, e.g. on a full disk) stays unacknowledged
                # in our persistent session; the broker delivers it again after we reconnect.
                try:
                    self._client.disconnect()
                except Exception:
                    pass
            self._mark_down(f"network loop: {rc}")
            if not self._stop.is_set():
                attempt += 1
                self._sleep_backoff(attempt, "link lost" if not self._redeliver.is_set()
                                    else "a message handler failed; reconnecting for redelivery")

    def _sleep_backoff(self, attempt: int, why: str, *, warn: bool = False) -> None:
        cap = min(self.settings.backoff_max_s, self.settings.backoff_min_s * (2 ** min(attempt, 16)))
        delay = random.uniform(self.settings.backoff_min_s, cap)  # full jitter
        level = logging.WARNING if warn else logging.DEBUG
        log.log(level, "%s: %s; retrying in %.2fs (attempt %d)", self.settings.client_id, why, delay, attempt)
        self._stop.wait(delay)

    def _mark_down(self, why: object) -> None:
        if self._connected.is_set():
            self._connected.clear()
            if not self._stop.is_set():
                log.warning("%s: disconnected from the broker at %s:%d (%s)", self.settings.client_id,
                            self.settings.host, self.settings.port, why)
            if self._on_disconnect_cb:
                self._on_disconnect_cb()

    # -- paho callbacks (network thread) --------------------------------------------------------------
    def _tune_socket(self, client, userdata, sock) -> None:  # type: ignore[no-untyped-def]
        try:
            # paho leaves Nagle's algorithm on: a PUBACK or an ack written while an earlier small packet is
            # unacknowledged then waits for the peer's delayed ACK, up to 40 ms, and a kit whose window is
            # full waits with it (bench/bench_media.py). The broker is set the same way (set_tcp_nodelay).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (OSError, AttributeError) as exc:
            log.debug("%s: TCP_NODELAY not set: %s", self.settings.client_id, exc)
        if self.settings.rto_max_ms is None:
            return
        try:
            # With retransmissions every rto_max_ms, TCP's 15 retries (tcp_retries2) would give up on the
            # connection after ~25 s of outage, and paho's resending everything in flight on the new one
            # puts it on the wire twice. Unacknowledged data may wait two keepalives instead: the same
            # deadline at which paho itself gives up on a silent broker.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, 2 * self.settings.keepalive * 1000)
            sock.setsockopt(socket.IPPROTO_TCP, TCP_RTO_MAX_MS, self.settings.rto_max_ms)
        except (OSError, AttributeError) as exc:  # an older kernel, or a TLS-wrapped object without it
            log.debug("%s: TCP_RTO_MAX_MS not set: %s", self.settings.client_id, exc)

    def _handle_connect(self, client, userdata, flags, reason_code, properties) -> None:  # type: ignore[no-untyped-def]
        if reason_code.is_failure:
            log.warning("%s: broker refused connection: %s", self.settings.client_id, reason_code)
            return
        for pattern in self._subscriptions:
            client.subscribe(pattern, qos=1)
        log.info("%s: connected to the broker at %s:%d (session %s)", self.settings.client_id, self.settings.host,
                 self.settings.port, "resumed" if flags.session_present else "new")
        self._connected.set()
        if self._on_connect_cb:
            try:
                self._on_connect_cb(bool(flags.session_present))
            except Exception:
                log.exception("%s: on-connect work failed; reconnecting to try again", self.settings.client_id)
                self._redeliver.set()

    def _handle_disconnect(self, client, userdata, flags, reason_code, properties) -> None:  # type: ignore[no-untyped-def]
        self._mark_down(reason_code)

    def _handle_message(self, client, userdata, msg) -> None:  # type: ignore[no-untyped-def]
        mid, qos = msg.mid, msg.qos
        if self._manual_ack and qos > 0:
            def ack() -> None:
                client.ack(mid, qos)
        else:
            def ack() -> None:
                return None
        try:
            self._on_message(Inbound(topic=msg.topic, payload=bytes(msg.payload), retained=bool(msg.retain),
                                     ack=ack))
        except Exception as exc:
            # Not acknowledged: refused for now, delivered again once we reconnect.
            problem = storage_problem(exc)
            if problem is not None:
                log.error("%s: could not take a message on %s (%s); it stays with the broker",
                          self.settings.client_id, msg.topic, problem)
            else:
                log.exception("%s: handling a message on %s failed; it stays with the broker",
                              self.settings.client_id, msg.topic)
            self._redeliver.set()

    # -- use ------------------------------------------------------------------------------------------
    def subscribe(self, pattern: str) -> None:
        if pattern not in self._subscriptions:
            self._subscriptions.append(pattern)
        if self._connected.is_set():
            self._client.subscribe(pattern, qos=1)

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> Delivery:
        if not self._connected.is_set():
            raise NotConnected(topic)
        info = self._client.publish(topic, payload, qos=1, retain=retain)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS and info.rc != MQTTErrorCode.MQTT_ERR_NO_CONN:
            raise NotConnected(f"{topic}: {info.rc}")
        return info
