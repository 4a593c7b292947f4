"""Photos the demo's people send: ID cards for requests, filing images, scanned documents. Real JPEGs,
deterministic per text, because the hub accepts only whole images it holds (hub/ingest/uploads.py)."""

from __future__ import annotations

import hashlib


def document_photo(text: str, size: tuple[int, int] = (640, 480)) -> bytes:
    """A card or a page as a phone or the counter's scanner would give it (JPEG)."""
    import cv2
    import numpy as np

    w, h = size
    img = np.full((h, w, 3), 245, np.uint8)
    cv2.rectangle(img, (20, 20), (w - 20, h - 20), (60, 60, 160), 3)
    cv2.putText(img, text.encode("ascii", "replace").decode(), (40, h // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                (20, 20, 20), 2)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return bytes(buf)


def request_photos(customer_no: int, *, officer: bool = False) -> dict[str, bytes]:
    """The ID photos a request names: the customer's, and the witness's or the officer's."""
    other = "officer" if officer else "witness"
    return {"customer": document_photo(f"ID card of customer {customer_no}", (320, 200)),
            other: document_photo(f"ID card of {other} {customer_no}", (320, 200))}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
