"""Who may sign what: kit, operator, customer-app and police keys registered at provisioning."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol.keys import load_verify_key

ROLES = ("kit", "operator", "customer", "police")


@dataclass(frozen=True)
class Principal:
    id: str
    role: str
    key: Ed25519PublicKey
    status: str


class Principals:
    """A read-through cache over the `principals` table (kits are few; lookups are per message)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._cache: dict[str, Principal | None] = {}
        self._lock = threading.Lock()

    def get(self, principal_id: str) -> Principal | None:
        with self._lock:
            if principal_id in self._cache:
                return self._cache[principal_id]
        row = self.conn.execute(
            "SELECT id, role, public_key, status FROM principals WHERE id=?", (principal_id,)
        ).fetchone()
        found = None
        if row is not None and row[3] == "active":
            found = Principal(row[0], row[1], load_verify_key(row[2]), row[3])
        if found is not None:  # an unknown sender may be provisioned later by another process
            with self._lock:
                self._cache[principal_id] = found
        return found

    def key_for(self, principal_id: str) -> Ed25519PublicKey | None:
        p = self.get(principal_id)
        return p.key if p else None

    def register(self, principal_id: str, role: str, public_key_b64: str, now_ms: int) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        load_verify_key(public_key_b64)  # refuse a malformed key at provisioning, not at first message
        self.conn.execute(
            "INSERT INTO principals(id, role, public_key, status, created_ms) VALUES (?,?,?,'active',?) "
            "ON CONFLICT(id) DO UPDATE SET role=excluded.role, public_key=excluded.public_key, status='active'",
            (principal_id, role, public_key_b64, now_ms),
        )
        self.forget(principal_id)

    def revoke(self, principal_id: str) -> None:
        self.conn.execute("UPDATE principals SET status='revoked' WHERE id=?", (principal_id,))
        self.forget(principal_id)

    def forget(self, principal_id: str) -> None:
        with self._lock:
            self._cache.pop(principal_id, None)
