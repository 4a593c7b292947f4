"""The UI's end of the kit link: `KitLinkClient` has the shape of the in-process `edge.service.KitService`
the screens use (`.offers`, `.flow`, `.app.sync`, `.app.store`, `.set_out`), each attribute a proxy whose
methods are calls over the socket. It opens no MQTT session, no serial port and no store.

Each thread keeps its own connection (a step waiting for a finger runs on a worker thread while the screen
keeps drawing); one more connection carries the event stream, which calls the local listeners the screens
registered, as the in-process service would.
"""

from __future__ import annotations

import itertools
import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any

import msgspec

from edge.job.steps import StepRefused
from edge.kitlink.methods import METHODS
from edge.kitlink.wire import MAX_LINE, Call, Event, Reply, Subscribe, encode, frame_decoder
from protocol.i18n import _

log = logging.getLogger(__name__)


class KitLinkDown(Exception):
    """The kit service does not answer on its socket (not running, restarting)."""


class KitLinkError(Exception):
    """The service ran the call and it failed (a device fault, no finger, no match): `str()` says why."""


class _Conn:
    def __init__(self, path: Path, timeout_s: float | None) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout_s)
        self.sock.connect(str(path))
        self.rfile = self.sock.makefile("rb")

    def close(self) -> None:
        try:
            self.rfile.close()
        finally:
            self.sock.close()


class KitLinkClient:
    def __init__(self, path: Path, *, call_timeout_s: float | None = None) -> None:
        self.path = Path(path)
        self.call_timeout_s = call_timeout_s  # None: a step may wait for a finger as long as the flow allows
        self._local = threading.local()
        self._ids = itertools.count(1)
        self._stop = threading.Event()
        self._events: threading.Thread | None = None
        self._event_conn: _Conn | None = None
        self.events_seen = 0
        self.offers = _Offers(self)
        self.app = _App(self)
        self.flow: _Flow | None = _Flow(self) if self.call("service.has_flow") else None

    # -- calls -----------------------------------------------------------------------------------------------
    def call(self, name: str, *args: Any) -> Any:
        method = METHODS[name]
        frame = encode(Call(id=next(self._ids), method=name, args=list(args)))
        for attempt in (1, 2):  # once more on a fresh connection: the service may have restarted
            conn = self._conn()
            try:
                conn.sock.sendall(frame)
                line = conn.rfile.readline(MAX_LINE + 1)
                if not line:
                    raise ConnectionError("closed")
                break
            except OSError as exc:
                self._drop()
                if attempt == 2:
                    raise KitLinkDown(_("The kit service does not answer: {error}").format(error=exc)) from exc
        reply = frame_decoder.decode(line)
        assert isinstance(reply, Reply)
        if reply.error_kind == "refused":
            raise StepRefused(reply.error)
        if reply.error_kind:
            raise KitLinkError(reply.error)
        return msgspec.convert(reply.result, method.returns) if method.returns is not None else None

    def _conn(self) -> _Conn:
        conn: _Conn | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = _Conn(self.path, self.call_timeout_s)
            except OSError as exc:
                raise KitLinkDown(_("The kit service does not answer: {error}").format(error=exc)) from exc
            self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- events --------------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Follow the service's events (the UI redraws at once instead of on its next poll)."""
        self._events = threading.Thread(target=self._follow, name="kit-link-events", daemon=True)
        self._events.start()

    def stop(self) -> None:
        self._stop.set()
        if self._event_conn is not None:
            try:
                self._event_conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._events is not None:
            self._events.join(timeout=5)
        self._drop()

    def _follow(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                conn = _Conn(self.path, None)
                self._event_conn = conn
                conn.sock.sendall(encode(Subscribe()))
                for line in conn.rfile:
                    event = frame_decoder.decode(line)
                    if isinstance(event, Event):
                        self.events_seen += 1
                        backoff = 0.2
                        self._tell(event.topic)
            except (OSError, msgspec.DecodeError) as exc:
                log.info("kit link events: %s", exc)
            if self._event_conn is not None:
                self._event_conn.close()
                self._event_conn = None
            self._tell("offers")  # whatever happened while the link was down: look again
            self._stop.wait(backoff)
            backoff = min(backoff * 2, 5.0)

    def _tell(self, topic: str) -> None:
        listeners = list(self.offers.listeners) if topic in ("offers", "hello") else []
        if topic in ("job", "hello") and self.flow is not None:
            listeners += list(self.flow.observers)
        for fn in listeners:
            try:
                fn()
            except Exception:
                log.exception("kit link listener failed")

    # -- the KitService surface -----------------------------------------------------------------------------------
    def set_out(self, order_id: str) -> str:
        return str(self.call("service.set_out", order_id))


def wait_for_service(path: Path, *, timeout_s: float) -> KitLinkClient:
    """Attach once the service's socket answers (the UI may start before the service on boot)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return KitLinkClient(path)
        except KitLinkDown:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


class _Offers:
    def __init__(self, link: KitLinkClient) -> None:
        self._link = link
        self.listeners: list[Any] = []

    @property
    def offers(self) -> dict[str, Any]:
        return dict(self._link.call("offers.all"))

    def open_offers(self) -> list[Any]:
        return list(self._link.call("offers.open_offers"))

    def seconds_left(self, offer_id: str) -> int:
        return int(self._link.call("offers.seconds_left", offer_id))

    def accept(self, offer_id: str) -> str:
        return str(self._link.call("offers.accept", offer_id))

    def refuse(self, offer_id: str, reason: str = "") -> str:
        return str(self._link.call("offers.refuse", offer_id, reason))


class _Flow:
    def __init__(self, link: KitLinkClient) -> None:
        self._link = link
        self.observers: list[Any] = []
        self._settings: Any = None

    @property
    def locksmiths(self) -> dict[str, Any]:
        return dict(self._link.call("flow.locksmiths"))

    @property
    def settings(self) -> Any:
        if self._settings is None:
            self._settings = self._link.call("flow.settings")
        return self._settings

    def job(self, order_id: str | None = None) -> Any:
        return self._link.call("flow.job", order_id)

    def jobs(self, *, include_sealed: bool = False) -> list[Any]:
        return list(self._link.call("flow.jobs", include_sealed))

    def session(self) -> Any:
        return self._link.call("flow.session")

    def position(self) -> Any:
        return self._link.call("flow.position")

    def login_fingerprint(self) -> Any:
        return self._link.call("flow.login_fingerprint")

    def login_pin(self, locksmith_id: str, pin: str) -> Any:
        return self._link.call("flow.login_pin", locksmith_id, pin)

    def login_password(self, locksmith_id: str, password: str) -> Any:
        return self._link.call("flow.login_password", locksmith_id, password)

    def login_pattern(self, locksmith_id: str, dots: list[int]) -> Any:
        return self._link.call("flow.login_pattern", locksmith_id, dots)

    def logout(self) -> None:
        self._link.call("flow.logout")

    def arrive(self, code: str, order_id: str | None = None) -> None:
        self._link.call("flow.arrive", code, order_id)

    def verify_locksmith(self, order_id: str | None = None) -> None:
        self._link.call("flow.verify_locksmith", order_id)

    def record_consent(self, given: bool, order_id: str | None = None) -> None:
        self._link.call("flow.record_consent", given, order_id)

    def reveal_id_number(self, order_id: str | None = None) -> str:
        return str(self._link.call("flow.reveal_id_number", order_id))

    def capture_customer_photo(self, order_id: str | None = None) -> None:
        self._link.call("flow.capture_customer_photo", order_id)

    def capture_id_photo(self, order_id: str | None = None, *, id_entry: Any = None) -> None:
        self._link.call("flow.capture_id_photo", order_id, id_entry)

    def capture_customer_fingerprint(self, order_id: str | None = None) -> None:
        self._link.call("flow.capture_customer_fingerprint", order_id)

    def start_video(self, order_id: str | None = None) -> None:
        self._link.call("flow.start_video", order_id)

    def photo_before(self, order_id: str | None = None) -> None:
        self._link.call("flow.photo_before", order_id)

    def mark_opened(self, order_id: str | None = None, *, note: str = "") -> None:
        self._link.call("flow.mark_opened", order_id, note)

    def photo_after(self, order_id: str | None = None) -> None:
        self._link.call("flow.photo_after", order_id)

    def stop_video(self, order_id: str | None = None) -> None:
        self._link.call("flow.stop_video", order_id)

    def complete(self, fee_fen: int, payment_received: bool, order_id: str | None = None, *,
                 method: str = "cash") -> None:
        self._link.call("flow.complete", fee_fen, payment_received, order_id, method)

    def make_form(self, order_id: str | None = None) -> Any:
        return self._link.call("flow.make_form", order_id)

    def form(self, order_id: str | None = None) -> Any:
        return self._link.call("flow.form", order_id)

    def recorded_form(self, order_id: str | None = None) -> Any:
        return self._link.call("flow.recorded_form", order_id)

    def seal(self, order_id: str | None = None) -> Any:
        return self._link.call("flow.seal", order_id)

    def abort(self, order_id: str | None, reason: str) -> None:
        self._link.call("flow.abort", order_id, reason)

    def capture_customer(self, order_id: str | None = None, *, id_entry: Any = None) -> None:
        self._link.call("flow.capture_customer", order_id, id_entry)

    def set_out(self, order_id: str | None = None) -> None:
        self._link.call("service.set_out", order_id or self.job(None).order_id)

    def resume(self) -> list[str]:
        return list(self._link.call("flow.resume"))

    def on_order_assigned(self, body: dict[str, Any]) -> Any:
        return self._link.call("flow.receive_order", body)


class _Sync:
    def __init__(self, link: KitLinkClient) -> None:
        self._link = link

    def status(self) -> dict[str, Any]:
        return dict(self._link.call("sync.status"))


class _Store:
    def __init__(self, link: KitLinkClient) -> None:
        self._link = link

    def records_for_order(self, order_id: str) -> list[Any]:
        return list(self._link.call("store.records_for_order", order_id))

    def files_for_order(self, order_id: str) -> list[Any]:
        return list(self._link.call("store.files_for_order", order_id))


class _Settings:
    def __init__(self, link: KitLinkClient) -> None:
        self._link = link
        self._route: Any = None

    @property
    def route(self) -> Any:
        if self._route is None:
            self._route = self._link.call("settings.route")
        return self._route


class _App:
    def __init__(self, link: KitLinkClient) -> None:
        self.sync = _Sync(link)
        self.store = _Store(link)
        self.settings = _Settings(link)
