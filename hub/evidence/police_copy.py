"""Sealed evidence for the police: the kit seals fingerprint templates and ID/customer photos to the
hub's X25519 key; before they go to the police the hub opens them and seals them again to the police's
own X25519 key (configured as `police_sealing_key` in hub.toml). They never travel or rest in clear, and
only the hub and the police can read them. Without a configured police key they are not forwarded at all
(only their hashes are), since a blob the police cannot open is no evidence to them."""

from __future__ import annotations

from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from protocol.sealed import open_sealed, seal


class Media(Protocol):
    def read(self, sha256: str) -> bytes: ...

    def put(self, data: bytes) -> str: ...


def police_aad(file_id: str) -> bytes:
    return b"lockwarden police copy " + file_id.encode()


def reseal_for_police(media: Media, file: dict[str, Any], hub_key: X25519PrivateKey,
                      police_key: X25519PublicKey) -> str:
    """Returns the SHA-256 of the police copy (stored in the hub's media store)."""
    plain = open_sealed(media.read(file["sha256"]), hub_key, aad=str(file["file_id"]).encode())
    return media.put(seal(plain, police_key, aad=police_aad(str(file["file_id"]))))


def open_police_copy(blob: bytes, file_id: str, police_key: X25519PrivateKey) -> bytes:
    return open_sealed(blob, police_key, aad=police_aad(file_id))
