"""WeChat Pay API v3 payment notifications (支付通知).

The notification is an HTTP POST whose headers carry `Wechatpay-Timestamp`, `Wechatpay-Nonce`,
`Wechatpay-Serial` (the platform certificate's serial) and `Wechatpay-Signature`: Base64 of an RSA-SHA256
(PKCS#1 v1.5) signature by the WeChat Pay platform key over "timestamp\\nnonce\\nbody\\n". The body's
`resource` is AEAD_AES_256_GCM ciphertext under the merchant's APIv3 key (32 bytes), with the resource's
`nonce` and `associated_data`; the plaintext is the transaction: `mchid`, `out_trade_no`, `transaction_id`,
`trade_state` and `amount.total` in fen. Only `TRANSACTION.SUCCESS` of our merchant id counts.

Creating payments (prepay) and refunds go through v3's signed REST calls, which this adapter does not make yet:
`pay_url` and `refund` say so instead of pretending.
"""

from __future__ import annotations

import base64
import json

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hub.payments.provider import NotificationRefused, PaidNotice

MAX_SKEW_MS = 5 * 60_000


class WeChatPayProvider:
    name = "wechatpay"

    def __init__(self, mchid: str, apiv3_key: str, platform_key: RSAPublicKey, platform_serial: str) -> None:
        if len(apiv3_key.encode()) != 32:
            raise ValueError("the WeChat Pay APIv3 key is 32 bytes")
        self.mchid = mchid
        self.apiv3_key = apiv3_key.encode()
        self.platform_key = platform_key
        self.platform_serial = platform_serial

    def pay_url(self, trade_no: str, amount_fen: int, description: str) -> str:
        raise NotImplementedError("WeChat Pay prepay (JSAPI/H5 order creation) is not implemented yet")

    def refund(self, provider_txn: str, amount_fen: int) -> str:
        raise NotImplementedError("WeChat Pay refunds (v3 /refund/domestic/refunds) are not implemented yet")

    def verify(self, headers: dict[str, str], body: bytes, now_ms: int) -> PaidNotice:
        h = {k.lower(): v for k, v in headers.items()}
        ts, nonce = h.get("wechatpay-timestamp", ""), h.get("wechatpay-nonce", "")
        sig, serial = h.get("wechatpay-signature", ""), h.get("wechatpay-serial", "")
        if not (ts.isdigit() and nonce and sig):
            raise NotificationRefused("missing Wechatpay-* signature headers")
        if serial != self.platform_serial:
            raise NotificationRefused("unknown platform certificate serial")
        message = ts.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
        try:
            self.platform_key.verify(base64.b64decode(sig, validate=True), message, padding.PKCS1v15(),
                                     hashes.SHA256())
        except (InvalidSignature, ValueError):
            raise NotificationRefused("bad signature") from None
        if abs(int(ts) * 1000 - now_ms) > MAX_SKEW_MS:
            raise NotificationRefused("stale timestamp")
        try:
            doc = json.loads(body)
            res = doc["resource"]
            if res.get("algorithm") != "AEAD_AES_256_GCM":
                raise NotificationRefused("unexpected resource algorithm")
            plain = AESGCM(self.apiv3_key).decrypt(res["nonce"].encode(), base64.b64decode(res["ciphertext"]),
                                                   (res.get("associated_data") or "").encode() or None)
            txn = json.loads(plain)
        except NotificationRefused:
            raise
        except InvalidTag:
            raise NotificationRefused("resource does not decrypt with the APIv3 key") from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise NotificationRefused("malformed notification") from None
        if txn.get("mchid") != self.mchid:
            raise NotificationRefused("notification for another merchant")
        try:
            amount = int(txn["amount"]["total"])
            return PaidNotice(str(txn["out_trade_no"]), str(txn["transaction_id"]), amount,
                              doc.get("event_type") == "TRANSACTION.SUCCESS" and txn.get("trade_state") == "SUCCESS",
                              str(doc.get("id") or nonce))
        except (KeyError, TypeError, ValueError):
            raise NotificationRefused("malformed transaction") from None
