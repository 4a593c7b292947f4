"""SMS one-time login codes: six digits, hashed at rest, expiring, a few tries each, rate-limited per number.

Refusals are deliberately the same whether the number is known or not; a number that guessed wrong
`otp_attempts` times must ask for a new code, and at most `otp_per_hour` codes go to a number in an hour,
so guessing a code costs at most 5 tries x 5 codes an hour out of a million values."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from lockwarden.customer_web.settings import WebSettings
from lockwarden.customer_web.store import WebStore


@dataclass(frozen=True)
class OtpRefusal(Exception):
    code: str  # too_soon | too_many | wrong | expired | locked

    def __str__(self) -> str:
        return self.code


def issue(store: WebStore, settings: WebSettings, mobile: str, now_ms: int) -> str:
    recent = store.otps_since(mobile, now_ms - 3_600_000)
    if recent and now_ms - recent[-1]["created_ms"] < settings.otp_resend_s * 1000:
        raise OtpRefusal("too_soon")
    if len(recent) >= settings.otp_per_hour:
        raise OtpRefusal("too_many")
    code = f"{secrets.randbelow(1_000_000):06d}"
    store.add_otp(mobile, code, now_ms, settings.otp_ttl_s * 1000)
    return code


def check(store: WebStore, settings: WebSettings, mobile: str, code: str, now_ms: int) -> None:
    live = store.live_otp(mobile, now_ms)
    if live is None:
        raise OtpRefusal("expired")
    if live["attempts"] >= settings.otp_attempts:
        raise OtpRefusal("locked")
    ok = hmac.compare_digest(store.digest(f"{mobile}:{code.strip()}"), live["code_hash"])
    store.otp_attempt(live["n"], ok)
    if not ok:
        raise OtpRefusal("locked" if live["attempts"] + 1 >= settings.otp_attempts else "wrong")
