"""The payment webhook over HTTP (stdlib server; an adapter, the domain is hub/payments/notifications.py).

    POST /pay/notify/<provider>   a provider's signed notification -> 200/204 received, 4xx refused
    GET  /sandbox/pay/<trade_no>   the sandbox provider's pay page (what the customer's browser opens)
    POST /sandbox/pay/<trade_no>   "pay" on that page: the sandbox provider signs a notification and posts
                                   it to the webhook above, over HTTP like any provider
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hub.payments.notifications import MAX_BODY, Verdict

log = logging.getLogger(__name__)
_NOTIFY = re.compile(r"^/pay/notify/([a-z0-9_]{1,32})$")
_PAY = re.compile(r"^/sandbox/pay/([0-9A-Za-z-]{1,40})$")

Receive = Callable[[str, dict[str, str], bytes], Verdict]
SandboxPay = Callable[[str], tuple[int, dict[str, str], bytes] | None]  # trade_no -> (amount, headers, body)


class Webhook:
    def __init__(self, host: str, port: int, receive: Receive, sandbox_pay: SandboxPay | None) -> None:
        self.receive = receive
        self.sandbox_pay = sandbox_pay
        hook = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "lockwarden-pay"

            def _answer(self, status: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                m = _PAY.match(self.path)
                if not m or hook.sandbox_pay is None:
                    return self._answer(404, b'{"code":"NOT_FOUND"}')
                trade = html.escape(m.group(1))
                page = (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" '
                        f'content="width=device-width"><title>Sandbox Pay</title><h1>Sandbox Pay 沙箱支付</h1>'
                        f'<p>{trade}</p><form method="post"><button type="submit">支付 Pay</button></form></html>')
                self._answer(200, page.encode(), "text/html; charset=utf-8")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    return self._answer(413, b'{"code":"FAIL","message":"too large"}')
                body = self.rfile.read(length)
                m = _NOTIFY.match(self.path)
                if m:
                    headers = {k: v for k, v in self.headers.items()}
                    try:
                        v = hook.receive(m.group(1), headers, body)
                    except Exception:  # never let one notification stop the webhook; the provider retries
                        log.exception("payment notification failed")
                        return self._answer(500, b'{"code":"FAIL","message":"internal error"}')
                    if v.status == 200:
                        return self._answer(204, b"")
                    return self._answer(v.status, json.dumps({"code": "FAIL", "message": v.reason}).encode())
                m = _PAY.match(self.path)
                if m and hook.sandbox_pay is not None:
                    signed = hook.sandbox_pay(m.group(1))
                    if signed is None:
                        return self._answer(404, b'{"code":"NOT_FOUND"}')
                    status = hook.post_notification("sandbox", signed[1], signed[2])
                    word = "支付成功 Paid" if status in (200, 204) else f"支付失败 Failed ({status})"
                    page = f'<!doctype html><html><meta charset="utf-8"><h1>{word}</h1></html>'
                    return self._answer(200 if status in (200, 204) else 502, page.encode(), "text/html; charset=utf-8")
                return self._answer(404, b'{"code":"NOT_FOUND"}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[0], self.server.server_address[1]
        name = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{name}:{port}"

    def post_notification(self, provider: str, headers: dict[str, str], body: bytes) -> int:
        req = urllib.request.Request(f"{self.url}/pay/notify/{provider}", data=body, method="POST",
                                     headers={**headers, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 (our own webhook)
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.serve_forever, name="pay-webhook", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() waits for serve_forever, which an unstarted hub never ran
            self.server.shutdown()
        self.server.server_close()
