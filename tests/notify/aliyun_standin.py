"""A local stand-in for Alibaba Cloud SMS `SendSms` that checks requests the way Aliyun documents them: the
RPC signature (HMAC-SHA1 over the percent-encoded, sorted parameters, key = secret + "&"), the common
parameters, a fresh timestamp and an unused nonce, the approved signature name and template code, and that
TemplateParam holds exactly the template's variables. Written independently of hub/notify/aliyun.py (its
own encoding path), so a mistake in the adapter's signing is caught, not mirrored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from protocol.clock import Clock


def _enc(value: str) -> str:  # Aliyun's Java recipe: URLEncoder, then + -> %20, * -> %2A, %7E -> ~
    return urllib.parse.quote_plus(value, encoding="utf-8").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def expected_signature(secret: str, method: str, params: dict[str, str]) -> str:
    query = "&".join(_enc(k) + "=" + _enc(params[k]) for k in sorted(params))
    to_sign = method + "&" + _enc("/") + "&" + _enc(query)
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


@dataclass
class StandIn:
    clock: Clock
    keys: dict[str, str]  # AccessKeyId -> secret
    sign_names: set[str]
    templates: dict[str, set[str]]  # approved template code -> its variables
    throttle_next: int = 0  # answer this many requests with isv.BUSINESS_LIMIT_CONTROL first
    received: list[dict[str, str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    nonces: set[str] = field(default_factory=set)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def answer(self, method: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        def no(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
            self.refused.append(code)
            return status, {"Code": code, "Message": message, "RequestId": "standin"}

        common = {"Action": "SendSms", "Format": "JSON", "Version": "2017-05-25", "SignatureMethod": "HMAC-SHA1",
                  "SignatureVersion": "1.0"}
        for k, v in common.items():
            if params.get(k) != v:
                return no(400, "MissingParameter" if k not in params else "InvalidParameter", k)
        for k in ("AccessKeyId", "SignatureNonce", "Timestamp", "Signature", "RegionId", "PhoneNumbers", "SignName",
                  "TemplateCode"):
            if not params.get(k):
                return no(400, "MissingParameter", k)
        secret = self.keys.get(params["AccessKeyId"])
        if secret is None:
            return no(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        signed = {k: v for k, v in params.items() if k != "Signature"}
        if not hmac.compare_digest(expected_signature(secret, method, signed), params["Signature"]):
            return no(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
        try:
            at = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return no(400, "InvalidTimeStamp.Format", params["Timestamp"])
        if abs(at.timestamp() * 1000 - self.clock.now_ms()) > 15 * 60_000:
            return no(400, "InvalidTimeStamp.Expired", params["Timestamp"])
        if params["SignatureNonce"] in self.nonces:
            return no(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        self.nonces.add(params["SignatureNonce"])
        if params["SignName"] not in self.sign_names:
            return no(200, "isv.SMS_SIGNATURE_ILLEGAL", params["SignName"])
        variables = self.templates.get(params["TemplateCode"])
        if variables is None:
            return no(200, "isv.SMS_TEMPLATE_ILLEGAL", params["TemplateCode"])
        try:
            values = json.loads(params.get("TemplateParam", "{}"))
        except ValueError:
            return no(200, "isv.INVALID_JSON_PARAM", "TemplateParam")
        if set(values) != variables or not all(isinstance(v, str) and v for v in values.values()):
            return no(200, "isv.TEMPLATE_MISSING_PARAMETERS", ",".join(sorted(values)))
        if not (params["PhoneNumbers"].isdigit() and len(params["PhoneNumbers"]) == 11):
            return no(200, "isv.MOBILE_NUMBER_ILLEGAL", params["PhoneNumbers"])
        if self.throttle_next > 0:
            self.throttle_next -= 1
            return no(200, "isv.BUSINESS_LIMIT_CONTROL", "throttled")
        self.received.append(params)
        return 200, {"Code": "OK", "Message": "OK", "BizId": f"9{len(self.received):05d}^0", "RequestId": "standin"}

    def start(self) -> StandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                query = urllib.parse.urlsplit(self.path).query
                params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
                params.update(urllib.parse.parse_qsl(body, keep_blank_values=True))
                status, answer = standin.answer("POST", params)
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
