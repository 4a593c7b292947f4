"""Real JPEGs for tests: what a phone or a scanner would send (the hub refuses anything that is not a
whole JPEG or PNG). Drawn by the demo's own generator, lockwarden/demo/photos.py."""

from __future__ import annotations

import hashlib

from lockwarden.demo.photos import document_photo


def jpeg(text: str, size: tuple[int, int] = (320, 240)) -> bytes:
    return document_photo(text, size)


ID_PHOTO = jpeg("ID card")
ID_PHOTO_SHA = hashlib.sha256(ID_PHOTO).hexdigest()
