"""The web gateway's own state (`web.db` beside its key): web customers and their signing keys, sessions with
their CSRF tokens, SMS login codes (hashed), and every hub message to a web customer (sealed with the
gateway's key: they hold service codes)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from protocol.keys import write_private

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (customer_id TEXT PRIMARY KEY, mobile TEXT NOT NULL UNIQUE,
    signing_key TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (sid_hash TEXT PRIMARY KEY, customer_id TEXT, csrf TEXT NOT NULL,
    created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS otps (n INTEGER PRIMARY KEY, mobile TEXT NOT NULL, code_hash TEXT NOT NULL,
    created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    used INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS otps_mobile ON otps(mobile, n);
CREATE TABLE IF NOT EXISTS inbox (n INTEGER PRIMARY KEY, customer_id TEXT NOT NULL, order_id TEXT,
    type TEXT NOT NULL, msg_id TEXT NOT NULL UNIQUE, sealed BLOB NOT NULL, at_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS inbox_customer ON inbox(customer_id, order_id, n);
"""


class WebStore:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        key_path = directory / "web_secret.key"
        if not key_path.exists():
            write_private(key_path, secrets.token_hex(32))
        self._key = bytes.fromhex(key_path.read_text().strip())
        self.conn = sqlite3.connect(str(directory / "web.db"), isolation_level=None, check_same_thread=False,
                                    timeout=30)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(SCHEMA)
        self.lock = threading.RLock()

    # -- secrets at rest ------------------------------------------------------------------------------
    def digest(self, text: str) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()

    def seal(self, data: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + AESGCM(self._key).encrypt(nonce, data, aad)

    def unseal(self, blob: bytes, aad: bytes) -> bytes:
        return AESGCM(self._key).decrypt(blob[:12], blob[12:], aad)

    # -- customers ------------------------------------------------------------------------------------
    def customer(self, mobile: str) -> sqlite3.Row | None:
        with self.lock:
            row: sqlite3.Row | None = self.conn.execute("SELECT * FROM customers WHERE mobile = ?", (mobile,)).fetchone()
            return row

    def customer_by_id(self, customer_id: str) -> sqlite3.Row | None:
        with self.lock:
            row: sqlite3.Row | None = self.conn.execute("SELECT * FROM customers WHERE customer_id = ?",
                                                        (customer_id,)).fetchone()
            return row

    def add_customer(self, customer_id: str, mobile: str, signing_key_b64: str, now_ms: int) -> None:
        with self.lock:
            self.conn.execute("INSERT OR IGNORE INTO customers(customer_id, mobile, signing_key, created_ms)"
                              " VALUES (?,?,?,?)", (customer_id, mobile, signing_key_b64, now_ms))

    # -- sessions ---------------------------------------------------------------------------------------
    def new_session(self, now_ms: int, ttl_ms: int) -> tuple[str, str]:
        sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.lock:
            self.conn.execute("INSERT INTO sessions(sid_hash, customer_id, csrf, created_ms, expires_ms) VALUES"
                              " (?,NULL,?,?,?)", (self.digest(sid), csrf, now_ms, now_ms + ttl_ms))
        return sid, csrf

    def session(self, sid: str, now_ms: int) -> sqlite3.Row | None:
        with self.lock:
            row: sqlite3.Row | None = self.conn.execute(
                "SELECT * FROM sessions WHERE sid_hash = ? AND expires_ms > ?", (self.digest(sid), now_ms)).fetchone()
            return row

    def login(self, sid: str, customer_id: str) -> str:
        """Bind the session to the customer with a fresh CSRF token (a login rotates it)."""
        csrf = secrets.token_urlsafe(32)
        with self.lock:
            self.conn.execute("UPDATE sessions SET customer_id = ?, csrf = ? WHERE sid_hash = ?",
                              (customer_id, csrf, self.digest(sid)))
        return csrf

    def logout(self, sid: str) -> None:
        with self.lock:
            self.conn.execute("DELETE FROM sessions WHERE sid_hash = ?", (self.digest(sid),))

    # -- login codes --------------------------------------------------------------------------------------
    def otps_since(self, mobile: str, since_ms: int) -> list[sqlite3.Row]:
        with self.lock:
            return list(self.conn.execute("SELECT * FROM otps WHERE mobile = ? AND created_ms >= ? ORDER BY n",
                                          (mobile, since_ms)))

    def add_otp(self, mobile: str, code: str, now_ms: int, ttl_ms: int) -> None:
        with self.lock:
            self.conn.execute("INSERT INTO otps(mobile, code_hash, created_ms, expires_ms) VALUES (?,?,?,?)",
                              (mobile, self.digest(f"{mobile}:{code}"), now_ms, now_ms + ttl_ms))

    def live_otp(self, mobile: str, now_ms: int) -> sqlite3.Row | None:
        with self.lock:
            row: sqlite3.Row | None = self.conn.execute(
                "SELECT * FROM otps WHERE mobile = ? AND used = 0 AND expires_ms > ? ORDER BY n DESC LIMIT 1",
                (mobile, now_ms)).fetchone()
            return row

    def otp_attempt(self, n: int, ok: bool) -> None:
        with self.lock:
            self.conn.execute("UPDATE otps SET attempts = attempts + 1, used = used + ? WHERE n = ?",
                              (1 if ok else 0, n))

    # -- the hub's messages to web customers ------------------------------------------------------------
    def keep(self, customer_id: str, order_id: str | None, type_name: str, msg_id: str, body: dict[str, Any],
             now_ms: int) -> None:
        sealed = self.seal(json.dumps(body, ensure_ascii=False).encode(), customer_id.encode())
        with self.lock:
            self.conn.execute("INSERT OR IGNORE INTO inbox(customer_id, order_id, type, msg_id, sealed, at_ms)"
                              " VALUES (?,?,?,?,?,?)", (customer_id, order_id, type_name, msg_id, sealed, now_ms))

    def messages(self, customer_id: str, order_id: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        sql, args = "SELECT type, sealed FROM inbox WHERE customer_id = ?", (customer_id,)  # type: tuple[str, tuple[Any, ...]]
        if order_id is not None:
            sql, args = sql + " AND order_id = ?", (customer_id, order_id)
        with self.lock:
            rows = list(self.conn.execute(sql + " ORDER BY n", args))
        return [(r["type"], json.loads(self.unseal(r["sealed"], customer_id.encode()))) for r in rows]

    def orders_of(self, customer_id: str) -> list[str]:
        with self.lock:
            return [r[0] for r in self.conn.execute(
                "SELECT order_id FROM inbox WHERE customer_id = ? AND order_id IS NOT NULL GROUP BY order_id"
                " ORDER BY min(n) DESC", (customer_id,))]
