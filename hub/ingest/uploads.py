"""What customers and operators may upload: document photos for an order (R-11), nothing else.

Kits send evidence of any kind; their uploads are bounded by their own store. A customer app is on a
stranger's phone, so its uploads are held to narrow rules, checked when the file is announced (kind,
type, size, whose order, how many open at once) and again when it is complete (the bytes must be a
whole JPEG or PNG). A refused file is quarantined with the reason; its bytes are set aside, not deleted.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from protocol.errors import Reason, Rejected
from protocol.images import image_problem
from protocol.messages.media import MediaBegin

UPLOAD_ROLES = ("customer", "operator")
UPLOAD_KIND = "document"
CONTENT_TYPES = ("image/jpeg", "image/png")
# A phone's full-resolution photo is 2-8 MB; 16 MiB leaves room for a scanner's PNG.
MAX_UPLOAD_BYTES = 16 * 1024 * 1024
# Files announced and not yet complete, per sender: enough for a deed of several pages, not for a flood.
MAX_OPEN_UPLOADS = 8


def check_begin(conn: sqlite3.Connection, role: str, sender: str, b: MediaBegin) -> None:
    """Raise `Rejected` unless a customer or operator may announce this file."""
    if b.kind != UPLOAD_KIND:
        raise Rejected(Reason.BAD_FILE, f"a {role} may upload only kind {UPLOAD_KIND!r}, not {b.kind!r}")
    if b.content_type not in CONTENT_TYPES:
        raise Rejected(Reason.BAD_FILE, f"content type {b.content_type!r} is not one of {', '.join(CONTENT_TYPES)}")
    if b.sealed:
        raise Rejected(Reason.BAD_FILE, "uploads are sent unsealed over the broker's TLS listener")
    if b.size <= 0:
        raise Rejected(Reason.BAD_FILE, "an empty file is not a photo")
    if b.size > MAX_UPLOAD_BYTES:
        raise Rejected(Reason.OVERSIZED, f"{b.size} bytes > {MAX_UPLOAD_BYTES} for an uploaded photo")
    if b.order_id is None:
        raise Rejected(Reason.BAD_FILE, "an uploaded document names its order")
    row = conn.execute("SELECT customer_id FROM orders WHERE id=?", (b.order_id,)).fetchone()
    if row is None:
        raise Rejected(Reason.BAD_FILE, f"no order {b.order_id}")
    if role == "customer" and row[0] != sender:
        raise Rejected(Reason.BAD_FILE, f"order {b.order_id} is not {sender}'s")
    open_now = conn.execute("SELECT COUNT(*) FROM media_files WHERE sender=? AND status='partial'",
                            (sender,)).fetchone()[0]
    if open_now >= MAX_OPEN_UPLOADS:
        raise Rejected(Reason.BAD_FILE, f"{open_now} uploads of {sender} are still incomplete; finish those first")


def file_problem(path: Path, content_type: str) -> str | None:
    return image_problem(path.read_bytes(), content_type)
