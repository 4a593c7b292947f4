"""The one-time service verification code (R-6, R-8): six digits; only its hash is stored.

The hash is `protocol.service_code` (scrypt, per-code salt) so the kit can check the code the customer
types without ever holding it in clear. The plain code exists once, in the order-success message to the
customer, which the outbox scrubs after delivery. The scrypt cost is the setting `code_scrypt_n`.
"""

from __future__ import annotations

import secrets

from protocol.service_code import check_code
from protocol.service_code import hash_code as _hash


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def hash_code(code: str, n: int) -> str:
    return _hash(code, n=n)


def matches(code: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        return check_code(code, stored)
    except ValueError:
        return False
