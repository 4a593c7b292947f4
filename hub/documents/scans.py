"""Document photos stored on the hub host itself (`lockwarden ops --db ... --photo`): the same rules as a
photo uploaded over MQTT (hub/ingest/uploads.py), recorded in the same media table, so a submission names
every photo the same way whichever route it came by."""

from __future__ import annotations

import json

from hub.db import Conn, transaction
from hub.ingest.mediastore import MediaStore
from hub.ingest.uploads import MAX_UPLOAD_BYTES, UPLOAD_KIND, UPLOAD_KINDS
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
    if order_id is not None and conn.execute("SELECT 1 FROM orders WHERE id=?", (order_id,)).fetchone() is None:
        raise NotFound("order", order_id)
    sha = media.put(data)
    now = clock.now_ms()
    file_id = new_id(now)
    with transaction(conn):
        conn.execute(
            "INSERT INTO media_files(file_id, sender, kind, content_type, order_id, size, sha256, chunk_size, chunks,"
            " sealed, captured_ms, meta, begin_id, status, received_ms, completed_ms)"
            " VALUES (?,?,?,?,?,?,?,?,1,0,?,?,?,'complete',?,?)",
            (file_id, sender, kind, content_type, order_id, len(data), sha, max(1, len(data)), now,
             json.dumps({"route": "hub host"}), file_id, now, now))
    return sha
