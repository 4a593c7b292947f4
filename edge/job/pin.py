"""The locksmith's PIN, the login fallback when the fingerprint sensor cannot be used (R-2).

Stored in the kit config only as a salted scrypt hash (same encoding as the service code hash), never in
clear; `lockwarden kit pin-hash` prints one for the installer.
"""

from __future__ import annotations

import string

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


# Password and touchscreen pattern join the PIN as knowledge factors, hashed the same way (salted scrypt).
# The code hash keeps only letters and digits (people type service codes with dashes), so a password is
# hashed as the hex of its UTF-8 bytes: nothing of it (case, symbols, Chinese) is dropped.
PATTERN_MIN_DOTS = 4


# What the kit's on-screen keyboard types (lockwarden/kit_ui/keyboard.py: digits, a-z, Caps): a password
# with any other character could never be typed on the touchscreen, so `kit pin-hash` refuses it.
PASSWORD_ALPHABET = frozenset(string.ascii_letters + string.digits)


def typeable_password(password: str) -> bool:
    return bool(password) and set(password) <= PASSWORD_ALPHABET


def _password_form(password: str) -> str:
    return password.encode("utf-8").hex()


def hash_password(password: str) -> str:
    return hash_code(_password_form(password))


def check_password(password: str, password_hash: str) -> bool:
    return check_pin(_password_form(password), password_hash) if password else False


def pattern_text(dots: list[int]) -> str:
    """A pattern is the dots of the 3x3 grid (1..9, row by row) in the order they were touched, each once."""
    if len(dots) < PATTERN_MIN_DOTS or len(set(dots)) != len(dots) or any(not 1 <= d <= 9 for d in dots):
        raise ValueError(f"a pattern joins at least {PATTERN_MIN_DOTS} different dots of 1..9")
    return "".join(str(d) for d in dots)


def hash_pattern(dots: list[int]) -> str:
    return hash_code(pattern_text(dots))


def check_pattern(dots: list[int], pattern_hash: str) -> bool:
    try:
        return check_pin(pattern_text(dots), pattern_hash)
    except ValueError:
        return False
