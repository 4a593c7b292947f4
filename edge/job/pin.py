"""The locksmith's PIN, the login fallback when the fingerprint sensor cannot be used (R-2).

Stored in the kit config only as a salted scrypt hash (same encoding as the service code hash), never in
clear; `lockwarden kit pin-hash` prints one for the installer.
"""

from __future__ import annotations

from protocol.service_code import check_code, hash_code


def hash_pin(pin: str) -> str:
    return hash_code(pin)


def check_pin(pin: str, pin_hash: str) -> bool:
    if not pin_hash:
        return False
    try:
        return check_code(pin, pin_hash)
    except ValueError:
        return False
