"""Document photos for the domain-level tests: real JPEGs (tests/images.py), stored and recorded as an upload would be
(`hub.documents.scans.store_scan`, the hub host's route, with the same checks as the MQTT route)."""

from __future__ import annotations

from hub.documents.scans import store_scan
from hub.ingest.mediastore import MediaStore
from tests.hub.world import World
from tests.images import jpeg


def scan(world: World, media: MediaStore, order_id: str, text: str, *, sender: str = "op1") -> str:
    """A photo of `text` at the hub for `order_id`, uploaded by `sender` (a customer id or an operator)."""
    return store_scan(world.conn, media, world.clock, jpeg(text), sender=sender, order_id=order_id)
