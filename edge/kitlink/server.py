"""The kit service's end of the kit link: a unix socket in the kit directory, one thread per connection.

A call runs on its connection's thread, so a step that waits for a finger on the sensor does not hold up
the UI's other calls (the job flow serialises the steps themselves). The socket is created mode 0600 by
the service's user; the service holds the kit directory's lock (edge/kitlock.py), so a socket file left by
a crashed service is stale and is replaced.
"""

from __future__ import annotations

import logging
import os
import queue
import socketserver
import threading
from pathlib import Path
from typing import Any

import msgspec

from edge.faults import fault_text
from edge.job.steps import StepRefused
from edge.kitlink.methods import METHODS
from edge.kitlink.wire import MAX_LINE, Call, Event, Reply, Subscribe, encode, request_decoder
from protocol.i18n import _

log = logging.getLogger(__name__)
BAD_FRAMES_KEPT = 20


class KitLinkServer:
    def __init__(self, service: Any, path: Path) -> None:
        self.service = service
        self.path = Path(path)
        self.bad_frames: list[bytes] = []  # the last few malformed frames, for inspection (bounded)
        self._subscribers: list[queue.Queue[str | None]] = []
        self._lock = threading.Lock()
        self._server: socketserver.ThreadingUnixStreamServer | None = None
        self._thread: threading.Thread | None = None

    # -- life ----------------------------------------------------------------------------------------------
    def start(self) -> None:
        self.service.offers.listeners.append(self._offers_changed)
        if self.service.flow is not None:
            self.service.flow.observers.append(self._job_changed)
        self.path.unlink(missing_ok=True)  # stale: the caller holds the kit lock
        link = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                link._serve(self.rfile, self.wfile)

        old = os.umask(0o177)
        try:
            server = socketserver.ThreadingUnixStreamServer(str(self.path), Handler)
        finally:
            os.umask(old)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="kit-link", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for q in self._subscribers:
                q.put(None)
        self.path.unlink(missing_ok=True)
        self._server = None

    # -- events ----------------------------------------------------------------------------------------------
    def _offers_changed(self, *_args: Any) -> None:
        self._publish("offers")

    def _job_changed(self, *_args: Any) -> None:
        self._publish("job")

    def _publish(self, topic: str) -> None:
        with self._lock:
            for q in self._subscribers:
                try:
                    q.put_nowait(topic)
                except queue.Full:  # a stuck reader: "something changed" is already queued for it
                    pass

    # -- one connection ----------------------------------------------------------------------------------------
    def _serve(self, rfile: Any, wfile: Any) -> None:
        while True:
            line = rfile.readline(MAX_LINE + 1)
            if not line:
                return
            if len(line) > MAX_LINE:
                self._bad(line[:200], _("The frame is too long"), wfile)
                return  # the rest of the line is unread: the connection cannot continue
            try:
                request = request_decoder.decode(line)
            except msgspec.DecodeError as exc:
                self._bad(line, str(exc), wfile)
                continue
            if isinstance(request, Subscribe):
                self._stream(wfile)
                return
            wfile.write(encode(self._call(request)))
            wfile.flush()

    def _bad(self, line: bytes, reason: str, wfile: Any) -> None:
        log.warning("kit link: bad frame (%s)", reason)
        with self._lock:
            self.bad_frames = [*self.bad_frames[-(BAD_FRAMES_KEPT - 1):], line[:1000]]
        wfile.write(encode(Reply(id=0, error_kind="bad_call", error=reason)))
        wfile.flush()

    def _call(self, call: Call) -> Reply:
        method = METHODS.get(call.method)
        if method is None:
            return Reply(id=call.id, error_kind="bad_call", error=_("Unknown call {name}").format(name=call.method))
        if self.service.flow is None and call.method.startswith("flow."):
            return Reply(id=call.id, error_kind="refused",
                         error=_("This kit has no hardware configured: it only stores and forwards"))
        try:
            args_type: Any = tuple.__class_getitem__(method.args)  # tuple[str, int | None, ...]
            args = msgspec.convert(call.args, args_type) if method.args else ()
        except msgspec.ValidationError as exc:
            return Reply(id=call.id, error_kind="bad_call", error=str(exc))
        try:
            result = method.run(self.service, *args)
        except StepRefused as exc:
            return Reply(id=call.id, error_kind="refused", error=str(exc))
        except KeyError as exc:  # the id is for the log; a person reads no ids
            log.info("kit link call %s: not on this kit: %s", call.method, exc)
            return Reply(id=call.id, error_kind="refused",
                         error=_("This order or offer is no longer on this kit: go back to the Home screen"))
        except Exception as exc:  # a device fault, no finger, no match: the flow recorded the attempt
            log.info("kit link call %s failed: %s", call.method, exc)  # the code ("[0x09]") stays in the log
            return Reply(id=call.id, error_kind="failed", error=fault_text(exc))
        return Reply(id=call.id, result=result if method.returns is not None else None)

    def _stream(self, wfile: Any) -> None:
        q: queue.Queue[str | None] = queue.Queue(maxsize=1000)
        with self._lock:
            self._subscribers.append(q)
        try:
            wfile.write(encode(Event(topic="hello")))
            wfile.flush()
            while True:
                topic = q.get()
                if topic is None:
                    return
                wfile.write(encode(Event(topic=topic)))
                wfile.flush()
        except OSError:
            return  # the UI went away
        finally:
            with self._lock:
                self._subscribers.remove(q)
