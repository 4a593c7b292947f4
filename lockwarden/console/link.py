"""The console's handle on the hub: ops calls one at a time, and the live events seen since last asked.

No textual here. `OpsClient.call` waits on the client's shared inbox and drops what does not match, so two
calls in flight at once could swallow each other's answers: calls are serialised by a lock. Events are
read with `client.events_since` (every verified message, in arrival order; the client keeps a bounded
window of them) rather than waited for, so a call in flight never takes an event or the reverse."""

from __future__ import annotations

import threading
from typing import Any, Protocol

from protocol.i18n import _
from protocol.transport.base import NotConnected


def _offline() -> dict[str, Any]:
    return {"ok": False, "code": "offline", "error": _("not connected to the broker; retrying by itself"),
            "errors": []}


class Client(Protocol):
    def events_since(self, mark: int) -> tuple[list[Any], int]:
        ...

    def call(self, op: str, args: dict[str, Any], *, txn: str | None = None, timeout: float = 30.0) -> dict[str, Any]:
        ...

    def upload(self, data: bytes, *, kind: str, order_id: str | None = None, timeout: float = 30.0) -> str:
        ...

    def stop(self) -> None:
        ...


class ConsoleLink:
    def __init__(self, client: Client, *, timeout: float = 30.0) -> None:
        self.client = client
        self.timeout = timeout
        self._lock = threading.Lock()
        self._mark = 0  # messages already handed out (the client's count)

    @property
    def connected(self) -> bool:
        """Whether the broker link is up now (the transport reconnects by itself; this only reads it)."""
        transport = getattr(self.client, "transport", None)
        return bool(getattr(transport, "connected", True))

    def call(self, op: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        """The hub's response dict; a lost broker or hub becomes a refused response, never an exception.
        While the link is down a call is refused at once rather than waiting out its timeout, so the
        console stays responsive and says why."""
        with self._lock:
            if not self.connected:
                return _offline()
            try:
                return self.client.call(op, dict(args or {}), timeout=self.timeout)
            except NotConnected:
                return _offline()
            except (TimeoutError, OSError):
                return {"ok": False, "code": "timeout", "error": _("the hub did not answer in time"), "errors": []}

    def upload(self, data: bytes, kind: str) -> dict[str, Any]:
        """Send a scanned image to the hub (hub/ingest/uploads.py); {"ok", "sha256"} or a refusal."""
        from lockwarden.clients.upload import UploadRefused

        with self._lock:
            if not self.connected:
                return _offline()
            try:
                return {"ok": True, "sha256": self.client.upload(data, kind=kind, timeout=self.timeout)}
            except UploadRefused as exc:
                return {"ok": False, "code": "refused", "error": _("the hub refused the image: {detail}")
                        .format(detail=exc.detail), "errors": []}
            except NotConnected:
                return _offline()
            except (TimeoutError, OSError):
                return {"ok": False, "code": "timeout", "error": _("the hub did not answer in time"), "errors": []}

    def new_events(self) -> list[dict[str, Any]]:
        """Bodies of the ops events that arrived since the previous call, oldest first."""
        fresh, self._mark = self.client.events_since(self._mark)
        return [dict(r.env.body) for r in fresh if r.env.type == "ops.event"]

    def close(self) -> None:
        self.client.stop()
