"""The console's handle on the hub: ops calls one at a time, and the live events seen since last asked.

No textual here. `OpsClient.call` waits on the client's shared inbox and drops what does not match, so two
calls in flight at once could swallow each other's answers: calls are serialised by a lock. Events are
read from `client.seen` (every verified message, in arrival order) rather than the inbox for the same
reason, and the part already read is trimmed while no call is waiting, so a console left open for days
does not grow without bound."""

from __future__ import annotations

import threading
from typing import Any, Protocol

from protocol.i18n import _


class Client(Protocol):
    seen: list[Any]

    def call(self, op: str, args: dict[str, Any], *, txn: str | None = None, timeout: float = 30.0) -> dict[str, Any]:
        ...

    def stop(self) -> None:
        ...


class ConsoleLink:
    def __init__(self, client: Client, *, timeout: float = 30.0) -> None:
        self.client = client
        self.timeout = timeout
        self._lock = threading.Lock()
        self._read = 0  # events in client.seen already handed out

    def call(self, op: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        """The hub's response dict; a lost broker or hub becomes a refused response, never an exception."""
        with self._lock:
            try:
                return self.client.call(op, dict(args or {}), timeout=self.timeout)
            except TimeoutError:
                return {"ok": False, "code": "timeout", "error": _("the hub did not answer in time"), "errors": []}

    def new_events(self) -> list[dict[str, Any]]:
        """Bodies of the ops events that arrived since the previous call, oldest first."""
        seen = self.client.seen
        fresh = seen[self._read:]
        self._read += len(fresh)
        if self._read > 500 and self._lock.acquire(blocking=False):
            try:  # no call is waiting on `seen` now; what was read is no longer needed
                del seen[:self._read]
                self._read = 0
            finally:
                self._lock.release()
        return [dict(r.env.body) for r in fresh if r.env.type == "ops.event"]

    def close(self) -> None:
        self.client.stop()
