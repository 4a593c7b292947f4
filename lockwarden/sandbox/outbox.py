"""The sandbox SMS outbox as the phones would show it: each new message printed and appended to sms.log, so a
hotline caller's service code, and every customer's, can be read while the city runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from protocol.i18n import _


class Outbox:
    def __init__(self, hub_db: Path, log: Path, say: Callable[[str], None]) -> None:
        self.hub_db = hub_db
        self.log = log
        self.say = say
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="sms-outbox", daemon=True)
        self.last = 0

    def start(self) -> Outbox:
        from hub.db import connect
        from hub.notify import store as notify_store

        conn = connect(self.hub_db)
        try:  # a reopened sandbox says only what is new; the log already holds the rest
            self.last = notify_store.sandbox_last_n(conn)
        finally:
            conn.close()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _follow(self) -> None:
        from hub.db import connect
        from hub.notify import store as notify_store

        conn = connect(self.hub_db)
        try:
            while not self._stop.wait(1.0):
                for n, to, text, at_ms in notify_store.sandbox_sent_after(conn, self.last):
                    self.last = n
                    stamp = time.strftime("%H:%M:%S", time.localtime(at_ms / 1000))
                    line = _("SMS {time} to {to}: {text}").format(time=stamp, to=to, text=text)
                    with open(self.log, "a", encoding="utf-8") as fh:
                        fh.write(line + "\n")
                    self.say("  " + line)
        finally:
            conn.close()
