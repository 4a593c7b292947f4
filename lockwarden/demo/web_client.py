"""A plain HTTP client for the customer web app (the demo's customer, the attack tests): keeps the session cookie itself (Python's cookie jar
would not send a Secure cookie over http), never follows redirects, and builds multipart bodies."""

from __future__ import annotations

import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kw: Any) -> None:
        return None


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect)
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=h)
        try:
            resp = self.opener.open(req, timeout=90)
            status, raw, got = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as exc:
            status, raw, got = exc.code, exc.read(), exc.headers
        for c in got.get_all("Set-Cookie") or []:
            name, _, rest = c.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        text = raw.decode("utf-8", "replace")
        m = re.search(r'name="csrf" value="([^"]+)"', text)
        if m:
            self.csrf = m.group(1)
        return status, text, {k.lower(): v for k, v in got.items()}

    def get(self, path: str) -> tuple[int, str, dict[str, str]]:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str], *, csrf: str | None = "auto") -> tuple[int, str, dict[str, str]]:
        data = dict(fields)
        if csrf == "auto":
            data["csrf"] = self.csrf
        elif csrf is not None:
            data["csrf"] = csrf
        return self.request("POST", path, urllib.parse.urlencode(data).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def post_multipart(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]]
                       ) -> tuple[int, str, dict[str, str]]:
        boundary = "----lw" + secrets.token_hex(8)
        parts: list[bytes] = []
        for k, v in {**fields, "csrf": self.csrf}.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
        for k, (name, data) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
                         f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"})
