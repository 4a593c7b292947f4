"""The customer's personal data at rest on the kit: sealed with one key per order, destroyed by shredding it.

Everything of an order that names the customer (the hub's offer, order and cancellation bodies in
`kit.downlink`, the order and step results in `job.order_json`/`job.info`, and the signed records still
waiting in the outbox) is written encrypted (AES-256-GCM) with that order's own random data key, never in
clear. The data key is kept in `kit.order_keys`, wrapped with a key derived (HKDF-SHA256) from the kit's
signing key and bound to the order id: a copy of `kit.db`/`job.db` alone reveals nothing. Once the job's
evidence is acknowledged by the hub and the retention passed (edge/job/purge.py), the wrapped key is
overwritten and the file rewritten (secure_delete, VACUUM, WAL truncated): from then on every sealed copy of
that order, wherever it still lies (a backup, a free page, a flash block), is noise, even to someone who
later holds the kit's signing key. The biometrics and ID images never need this: they are sealed to the
hub's key before they touch the disk.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from protocol.keys import SigningKey

_KEK_INFO = b"lockwarden kit order keys v1"
SEALED = "sealed"  # the JSON field holding a sealed value: {"order_id": ..., "sealed": "<base64>"}
WIRE_PREFIX = b"LWS1"  # a sealed outbox wire: prefix + nonce + ciphertext


@dataclass(frozen=True)
class OrderKey:
    order_id: str
    created_ms: int
    shredded_ms: int | None


class OrderKeys:
    """Per-order data keys in the kit store's database (the caller's connection and lock)."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock, kit_key: SigningKey) -> None:
        self.conn = conn
        self.lock = lock
        seed = base64.b64decode(kit_key.to_b64())
        self._kek = AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEK_INFO).derive(seed))
        self._cache: dict[str, AESGCM | None] = {}

    # -- keys -------------------------------------------------------------------------------------------
    def _aead(self, order_id: str, *, create: bool, now_ms: int = 0) -> AESGCM | None:
        """The order's data key; None once shredded (or never made and `create` is False)."""
        with self.lock:
            if order_id in self._cache:
                return self._cache[order_id]
            row = self.conn.execute("SELECT wrapped, shredded_ms FROM order_keys WHERE order_id=?",
                                    (order_id,)).fetchone()
            if row is None and create:
                key = AESGCM.generate_key(bit_length=256)
                nonce = os.urandom(12)
                wrapped = base64.b64encode(nonce + self._kek.encrypt(nonce, key, order_id.encode())).decode()
                self.conn.execute("INSERT OR IGNORE INTO order_keys(order_id, wrapped, created_ms) VALUES (?,?,?)",
                                  (order_id, wrapped, now_ms))
                row = self.conn.execute("SELECT wrapped, shredded_ms FROM order_keys WHERE order_id=?",
                                        (order_id,)).fetchone()
            if row is None or row[0] is None:
                return None  # not cached: another process may still create it (a new order's first message)
            raw = base64.b64decode(row[0])
            aead = AESGCM(self._kek.decrypt(raw[:12], raw[12:], order_id.encode()))
            self._cache[order_id] = aead
            return aead

    def shred(self, order_id: str, now_ms: int) -> bool:
        """Destroy the order's key: what was sealed with it can never be opened again. The caller rewrites
        the database file (VACUUM, WAL truncated) so the old key leaves no copy in free pages or the WAL."""
        with self.lock:
            self._cache[order_id] = None
            cur = self.conn.execute("UPDATE order_keys SET wrapped=NULL, shredded_ms=? "
                                    "WHERE order_id=? AND wrapped IS NOT NULL", (now_ms, order_id))
            return cur.rowcount == 1

    def held(self) -> list[OrderKey]:
        """Orders whose key still exists: their sealed personal data can be opened on this kit."""
        with self.lock:
            rows = self.conn.execute("SELECT order_id, created_ms, shredded_ms FROM order_keys "
                                     "WHERE wrapped IS NOT NULL ORDER BY created_ms, order_id").fetchall()
        return [OrderKey(r[0], int(r[1]), r[2]) for r in rows]

    # -- values -----------------------------------------------------------------------------------------
    def seal_bytes(self, order_id: str, plain: bytes, now_ms: int) -> bytes | None:
        """None: the order's key was shredded, the value must not be kept."""
        aead = self._aead(order_id, create=True, now_ms=now_ms)
        if aead is None:
            return None
        nonce = os.urandom(12)
        return WIRE_PREFIX + nonce + aead.encrypt(nonce, plain, order_id.encode())

    def open_bytes(self, order_id: str, blob: bytes) -> bytes | None:
        """The clear bytes; a value not sealed (written before this release) as it is; None once shredded."""
        if not blob.startswith(WIRE_PREFIX):
            return blob
        aead = self._aead(order_id, create=False)
        if aead is None:
            return None
        body = blob[len(WIRE_PREFIX):]
        try:
            return aead.decrypt(body[:12], body[12:], order_id.encode())
        except InvalidTag:
            return None

    def seal_json(self, order_id: str, value: Any, now_ms: int) -> str:
        """The JSON text to store: `{"order_id", "sealed"}`, or `{"order_id", "purged": 1}` once shredded."""
        blob = self.seal_bytes(order_id, json.dumps(value, ensure_ascii=False).encode(), now_ms)
        if blob is None:
            return json.dumps({"order_id": order_id, "purged": 1})
        return json.dumps({"order_id": order_id, SEALED: base64.b64encode(blob).decode()})

    def open_json(self, text: str) -> Any:
        """The value as it was sealed; an unsealed value (older release) as it is; None once shredded."""
        value = json.loads(text)
        if not isinstance(value, dict) or SEALED not in value:
            return None if isinstance(value, dict) and value.get("purged") else value
        plain = self.open_bytes(str(value.get("order_id", "")), base64.b64decode(value[SEALED]))
        return None if plain is None else json.loads(plain)
