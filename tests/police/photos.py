"""Document photos for the domain-level tests: real JPEGs, stored and recorded as an upload would be
(`hub.documents.scans.store_scan`, the hub host's route, with the same checks as the MQTT route)."""

from __future__ import annotations

import cv2
import numpy as np

from hub.documents.scans import store_scan
from hub.ingest.mediastore import MediaStore
from tests.hub.world import World


def jpeg(text: str, size: tuple[int, int] = (320, 240)) -> bytes:
    img = np.full((size[1], size[0], 3), 240, np.uint8)
    cv2.putText(img, text, (10, size[1] // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (20, 20, 20), 1)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return bytes(buf)


def scan(world: World, media: MediaStore, order_id: str, text: str, *, sender: str = "op1") -> str:
    """A photo of `text` at the hub for `order_id`, uploaded by `sender` (a customer id or an operator)."""
    return store_scan(world.conn, media, world.clock, jpeg(text), sender=sender, order_id=order_id)
