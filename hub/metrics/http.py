"""The hub's Prometheus `/metrics` and `/healthz` on a local port (the stdlib's http.server: two read-only
pages need no framework). Each request reads the database on its own connection (WAL: readers never block
the ingest writer) and closes it.

`/healthz` answers 200 while the database answers and the broker session is up, else 503 with the problems,
so a load balancer, systemd or an operator's probe sees a hub that is running but cut off from its kits.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from hub.db import Database, connect
from hub.metrics import store
from hub.metrics.figures import collect, prometheus
from protocol.clock import Clock

log = logging.getLogger(__name__)


class MetricsServer:
    def __init__(self, db_path: Database, *, bind: str, port: int, clock: Clock, version: str,
                 broker_connected: Callable[[], bool] | None = None) -> None:
        self.db_path = db_path
        self.clock = clock
        self.version = version
        self.broker_connected = broker_connected
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    status, ctype, body = server.metrics()
                elif path == "/healthz":
                    status, ctype, body = server.health()
                else:
                    status, ctype, body = 404, "text/plain; charset=utf-8", b"not found: /metrics, /healthz\n"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
                log.debug("metrics %s: " + format, self.client_address[0], *args)

        self._httpd = ThreadingHTTPServer((bind, port), Handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="hub-metrics", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _connected(self) -> bool | None:
        return self.broker_connected() if self.broker_connected is not None else None

    def metrics(self) -> tuple[int, str, bytes]:
        try:
            conn = connect(self.db_path)
            try:
                figures = collect(conn, self.clock.now_ms())
            finally:
                conn.close()
        except Exception as exc:  # a scrape must say what is wrong, not hang up
            log.warning("metrics: database unreadable: %s", exc)
            return 503, "text/plain; charset=utf-8", f"database unreadable: {exc}\n".encode()
        text = prometheus(figures, version=self.version, broker_connected=self._connected())
        return 200, "text/plain; version=0.0.4; charset=utf-8", text.encode()

    def health(self) -> tuple[int, str, bytes]:
        problems = []
        try:
            conn = connect(self.db_path)
            try:
                store.ping(conn)
            finally:
                conn.close()
        except Exception as exc:
            problems.append(f"database: {exc}")
        if self._connected() is False:
            problems.append("broker: not connected")
        body = {"status": "unhealthy" if problems else "ok", "problems": problems}
        return (503 if problems else 200), "application/json", (json.dumps(body) + "\n").encode()
