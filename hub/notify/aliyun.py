"""Alibaba Cloud SMS (dysmsapi 2017-05-25 `SendSms`) through its documented signed HTTP API (RPC style).

Signature (Alibaba Cloud "Signature mechanism" for RPC APIs):
  1. every request parameter except `Signature`, sorted by name, each name and value percent-encoded
     (UTF-8; RFC 3986 unreserved characters kept, space as %20, `*` as %2A, `~` kept) and joined as
     `name=value` with `&`: the canonicalized query string;
  2. StringToSign = HTTPMethod + "&" + percentEncode("/") + "&" + percentEncode(canonicalized query);
  3. Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)).
Common parameters: AccessKeyId, Action, Format=JSON, RegionId, SignatureMethod=HMAC-SHA1,
SignatureNonce (unique per request), SignatureVersion=1.0, Timestamp (ISO 8601 UTC), Version=2017-05-25.
SendSms parameters: PhoneNumbers, SignName, TemplateCode, TemplateParam (JSON of the template's variables),
OutId (ours: the outbox id, echoed in delivery receipts). The answer is JSON: {"Code": "OK", "BizId", ...}
or {"Code": "isv.…", "Message": …}.

The API is not idempotent (Aliyun says so), so the hub's outbox records every attempt and its answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime

from hub.notify.gateway import Answer, Sms
from hub.notify.settings import AliyunSmsSettings
from protocol.clock import Clock, SystemClock

API_VERSION = "2017-05-25"
# Answers that may succeed later: throttling and the provider's own failures. Everything else (a bad number,
# an unapproved template or signature, a wrong key) needs a person, so the message is not retried.
RETRY_CODES = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "Throttling", "ServiceUnavailable",
                         "InternalError", "isp.SYSTEM_ERROR"})


def percent_encode(value: str) -> str:
    return urllib.parse.quote(value, safe="-_.~", encoding="utf-8")


def string_to_sign(method: str, params: dict[str, str]) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def signature(secret: str, method: str, params: dict[str, str]) -> str:
    digest = hmac.new((secret + "&").encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def timestamp(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AliyunSms:
    name = "aliyun"

    def __init__(self, settings: AliyunSmsSettings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()

    def request_params(self, sms: Sms, nonce: str | None = None) -> dict[str, str]:
        s = self.settings
        code = s.templates.get(sms.template)
        if not code:
            raise LookupError(f"no Aliyun template code for '{sms.template}' in [notify.aliyun] templates")
        params = {
            "AccessKeyId": s.access_key_id, "Action": "SendSms", "Format": "JSON", "RegionId": s.region_id,
            "SignatureMethod": "HMAC-SHA1", "SignatureNonce": nonce or str(uuid.uuid4()), "SignatureVersion": "1.0",
            "Timestamp": timestamp(self.clock.now_ms()), "Version": API_VERSION,
            "PhoneNumbers": sms.to, "SignName": s.sign_name, "TemplateCode": code,
            "TemplateParam": json.dumps(sms.params, ensure_ascii=False, separators=(",", ":")),
            "OutId": str(sms.outbox_id),
        }
        params["Signature"] = signature(s.access_key_secret, "POST", params)
        return params

    def send(self, sms: Sms) -> Answer:
        try:
            params = self.request_params(sms)
        except LookupError as exc:
            return Answer(False, "", "hub.TEMPLATE_NOT_CONFIGURED", str(exc))
        body = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params.items()).encode()
        req = urllib.request.Request(self.settings.endpoint, data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                                              "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.settings.timeout_s) as resp:  # noqa: S310 (configured URL)
                raw = resp.read(65536)
        except urllib.error.HTTPError as exc:  # Aliyun answers errors with a 4xx/5xx and a JSON body
            raw = exc.read(65536)
            if exc.code >= 500 and not raw:
                raise OSError(f"Aliyun SMS HTTP {exc.code}") from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise OSError("Aliyun SMS answered something that is not JSON") from exc
        code = str(answer.get("Code", ""))
        if code == "OK":
            return Answer(True, str(answer.get("BizId", "")), "OK", str(answer.get("Message", "")))
        return Answer(False, "", code or "unknown", str(answer.get("Message", "")), retry=code in RETRY_CODES)
