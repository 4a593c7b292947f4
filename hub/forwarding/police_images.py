"""The ID images of a request and the filing images of the registry, sealed to the police key on the way out.

Customers and operators upload these photos (hub/ingest/uploads.py: kinds `identity` and `registry`) and the
records name them by SHA-256 only: `order.requested` (the customer's, the witness's or the officer's ID card),
`locksmith.filed`/`.updated` (ID card, certificate, portrait, filing receipt) and `unit.filed`/`.updated`
(filing receipt). A hash alone is no evidence to the police, so when forwarding such a record the hub seals
each named image to the police's X25519 key (`police_sealing_key` in hub.toml) and lists the sealed copy in
the record's `media`, exactly like a job's sealed evidence (hub/evidence/police_copy.py). The copy is bound
to the image it copies: its AAD is `police_aad(<SHA-256 of the clear image>)`, so `lockwarden police-open`
can check the opened bytes against the hash the record names.

Without a police key, or when the hub does not hold the image, its hash is listed in `sealed_withheld`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from hub.evidence.police_copy import police_aad
from protocol.sealed import seal

# record kinds whose images are forwarded sealed; any field ending in one of IMAGE_SUFFIXES names an image
IMAGE_KINDS = ("order.requested", "locksmith.filed", "locksmith.updated", "unit.filed", "unit.updated")
IMAGE_SUFFIXES = ("image_sha256", "photo_sha256", "receipt_sha256")
SEALED_TYPE = "application/x-lockwarden-sealed"
_SHA = re.compile(r"^[0-9a-f]{64}$")


class ImageStore(Protocol):
    def read(self, sha256: str) -> bytes: ...

    def has(self, sha256: str) -> bool: ...

    def put(self, data: bytes) -> str: ...


def named_images(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(kind, sha256) of every image a record names: kind is the field's path without `_sha256`,
    e.g. `request.witness.id_image` or `filing_receipt`."""
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(value, str) and str(key).endswith(IMAGE_SUFFIXES) and _SHA.match(value):
                yield name[: -len("_sha256")], value
            elif isinstance(value, dict | list):
                yield from named_images(value, name)
    elif isinstance(data, list):
        for value in data:
            yield from named_images(value, path)


def add_sealed_images(kind: str, body: dict[str, Any], store: ImageStore | None,
                      police_key: X25519PublicKey | None) -> dict[str, Any]:
    """The record as forwarded: its images sealed to the police and listed in `media`. Other kinds unchanged."""
    if kind not in IMAGE_KINDS:
        return body
    media: list[Any] = list(body.get("media") or [])
    withheld: list[str] = list(body.get("sealed_withheld") or [])
    seen: set[tuple[str, str]] = set()
    for image_kind, sha in named_images(body):
        if (image_kind, sha) in seen:
            continue
        seen.add((image_kind, sha))
        if store is None or police_key is None or not store.has(sha):
            if sha not in withheld:
                withheld.append(sha)
            continue
        copy = store.put(seal(store.read(sha), police_key, aad=police_aad(sha)))
        media.append({"sha256": copy, "kind": image_kind, "content_type": SEALED_TYPE, "sealed_for": "police",
                      "copy_of": sha})
    out = dict(body)
    if media:
        out["media"] = media
    if withheld:
        out["sealed_withheld"] = withheld
    return out
