"""Real JPEGs for tests: what a phone or a scanner would send (the hub refuses anything that is not a
whole JPEG or PNG)."""

from __future__ import annotations

import hashlib

import cv2
import numpy as np


def jpeg(text: str, size: tuple[int, int] = (320, 240)) -> bytes:
    img = np.full((size[1], size[0], 3), 240, np.uint8)
    cv2.rectangle(img, (8, 8), (size[0] - 8, size[1] - 8), (90, 60, 30), 2)
    cv2.putText(img, text, (16, size[1] // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (20, 20, 20), 1)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return bytes(buf)


ID_PHOTO = jpeg("ID card")
ID_PHOTO_SHA = hashlib.sha256(ID_PHOTO).hexdigest()
