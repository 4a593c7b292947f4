"""Document photos stored on the hub host itself (`lockwarden ops --db ... --photo`): the same rules as a
photo uploaded over MQTT (hub/ingest/uploads.py), recorded in the same media table, so a submission names
every photo the same way whichever route it came by."""

from __future__ import annotations

import json

from hub.db import Conn, transaction
from hub.ingest import store as ingest_store
from hub.ingest.mediastore import MediaStore
from hub.ingest.uploads import MAX_UPLOAD_BYTES, UPLOAD_KIND, UPLOAD_KINDS
from hub.orders import store as order_store
from hub.registry.errors import DomainError, NotFound
from protocol.clock import Clock
from protocol.i18n import _
from protocol.ids import new_id
from protocol.images import content_type_of, image_problem


def store_scan(conn: Conn, media: MediaStore, clock: Clock, data: bytes, *, sender: str,
               order_id: str | None, kind: str = UPLOAD_KIND) -> str:
    """Check and store one scanned photo (a `document` for an order, an `identity` or `registry` photo
    without one: hub/ingest/uploads.py); returns its SHA-256."""
    content_type = content_type_of(data)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError("invalid", _("the photo is larger than {n} bytes").format(n=MAX_UPLOAD_BYTES))
    problem = image_problem(data, content_type)
    if problem is not None:
        raise DomainError("invalid", _("not a usable photo: {problem}").format(problem=problem))
    if kind not in UPLOAD_KINDS or UPLOAD_KINDS[kind][1] != (order_id is not None):
        raise DomainError("invalid", _("a {kind} photo cannot be stored that way").format(kind=kind))
    if order_id is not None and order_store.customer_of(conn, order_id) is None:
        raise NotFound("order", order_id)
    sha = media.put(data)
    now = clock.now_ms()
    file_id = new_id(now)
    with transaction(conn):
        ingest_store.put_complete(conn, file_id=file_id, sender=sender, kind=kind, content_type=content_type,
                                  order_id=order_id, size=len(data), sha256=sha, now_ms=now,
                                  meta_json=json.dumps({"route": "hub host"}))
    return sha
