"""systemd's notify protocol, without a dependency: `READY=1` once a service does its work, `WATCHDOG=1`
from the loop that does it, so a loop that hangs stops the pings and systemd restarts the service
(`Type=notify` and `WatchdogSec=` in firmware_config/systemd).

The protocol is one datagram per notification to the AF_UNIX socket named by $NOTIFY_SOCKET ('@' starts
an abstract name). $WATCHDOG_USEC gives the watchdog period; we ping at a quarter of it, so a ping that
is a little late under load still arrives in time. $WATCHDOG_PID, when set, names the one process meant
to ping. Without $NOTIFY_SOCKET (not under systemd) every call is a no-op.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

DEFAULT_PING_S = 1.0  # when the socket is set but no watchdog period is (systemd ignores pings then)


class Notifier:
    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        raw = env.get("NOTIFY_SOCKET", "")
        self.address: str | None = ("\0" + raw[1:] if raw.startswith("@") else raw) or None
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        self.watchdog_s: float | None = int(usec) / 1e6 if usec.isdigit() and int(usec) > 0 else None
        if pid.isdigit() and int(pid) != os.getpid():
            self.watchdog_s = None  # the watchdog is another process's (say, a wrapper's)
        self.ping_every_s = self.watchdog_s / 4 if self.watchdog_s else DEFAULT_PING_S
        self._last_ping = 0.0
        self._ready = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def notify(self, *lines: str) -> bool:
        """Send one notification; False when not under systemd or the manager is not listening."""
        if self.address is None:
            return False
        with self._lock:
            try:
                if self._sock is None:
                    self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                self._sock.sendto("\n".join(lines).encode("utf-8"), self.address)
                return True
            except OSError as exc:
                log.debug("sd_notify to %r failed: %s", self.address, exc)
                return False

    def ready(self, status: str | None = None) -> None:
        if not self._ready:
            self._ready = True
            self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def alive(self) -> None:
        """Called from each pass of the working loop; pings at most every `ping_every_s`."""
        now = time.monotonic()
        if now - self._last_ping >= self.ping_every_s:
            self._last_ping = now
            self.notify("WATCHDOG=1")

    def status(self, text: str) -> None:
        self.notify(f"STATUS={text}")

    def stopping(self) -> None:
        self.notify("STOPPING=1")

    def close(self) -> None:
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None


def waiting_for_storage(notifier: Notifier, extend_s: float = 30.0) -> Callable[[str], None]:
    """For `protocol.storage.open_when_writable`: while a service waits for space before it is ready, say
    why in `systemctl status` and keep its start job from timing out (each call buys `extend_s`)."""
    def on_wait(reason: str) -> None:
        notifier.notify(f"STATUS=waiting for storage: {reason}", f"EXTEND_TIMEOUT_USEC={int(extend_s * 1e6)}")
    return on_wait
