"""The one-time service verification code (R-6, R-8): six digits; the hub keeps only what checks it.

`issue` runs scrypt once (protocol.service_code, per-code salt, cost `code_scrypt_n`) and gives the hash the
kit checks the typed code against, and the proof key the hub checks the kit's arrival proof with. The plain
code exists once, in the order-success message to the customer, which the outbox scrubs after delivery.
"""

from __future__ import annotations

import secrets

from hub.db import Conn
from hub.orders import store
from protocol import service_code


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def issue(code: str, n: int) -> tuple[str, str]:
    """-> (code_hash for the kit, proof key as hex for the hub's `orders.code_proof_key`)."""
    code_hash, key = service_code.issue(code, n=n)
    return code_hash, key.hex()


def proof_ok(conn: Conn, order_id: str, fields: dict[str, object]) -> bool:
    """The arrival record's `code_proof` was made with the key of the code this hub issued for the order."""
    key = store.code_proof_key(conn, order_id)
    return bool(key) and service_code.check_proof(bytes.fromhex(key), order_id, fields)
