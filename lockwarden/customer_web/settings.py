"""The customer web app's settings (`web.toml` beside its state, or the defaults)."""

from __future__ import annotations

import msgspec


class WebSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """host, port: where the app listens. cookie_secure: the session cookie carries `Secure` (keep it on:
    browsers treat http://localhost as secure, and a deployment runs behind TLS).
    max_photo_bytes: largest photo accepted from a phone. otp_ttl_s: an SMS login code expires after this;
    otp_attempts: wrong codes before a code is dead; otp_resend_s: least wait between codes for one number;
    otp_per_hour: most codes per number per hour. session_ttl_s: a login lasts this long.
    wait_s: how long a page waits for the hub's answer before saying it is still on its way."""

    host: str = "127.0.0.1"
    port: int = 8443
    cookie_secure: bool = True
    max_photo_bytes: int = 5 * 1024 * 1024
    otp_ttl_s: int = 300
    otp_attempts: int = 5
    otp_resend_s: int = 60
    otp_per_hour: int = 5
    session_ttl_s: int = 7 * 86_400
    wait_s: float = 30.0
