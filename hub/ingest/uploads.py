"""What customers and operators may upload: photos, of three kinds, nothing else.

- `document`: photos of an ID card and deed, purchase contract or vehicle licence for an order (R-11);
  it names the order, and a customer's must be their own order;
- `identity`: the ID card photos an unlock request names (customer, witness, officer; R-3), sent before
  the request exists, so they name no order;
- `registry`: a unit's or locksmith's filing images (R-1, R-2): operators only.

Kits send evidence of any kind; their uploads are bounded by their own store. A customer app is on a
stranger's phone, so its uploads are held to narrow rules, checked when the file is announced (kind,
type, size, whose order, how many open at once) and again when it is complete (the bytes must be a
whole JPEG or PNG). A refused file is quarantined with the reason; its bytes are set aside, not deleted.
"""

from __future__ import annotations

from pathlib import Path

from hub.db import Conn
from protocol.errors import Reason, Rejected
from protocol.images import image_problem
from protocol.messages.media import MediaBegin

UPLOAD_ROLES = ("customer", "operator")
UPLOAD_KIND = "document"
# kind -> who may upload it, whether it names an order
UPLOAD_KINDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "document": (UPLOAD_ROLES, True),
    "identity": (UPLOAD_ROLES, False),
    "registry": (("operator",), False),
}
CONTENT_TYPES = ("image/jpeg", "image/png")
# A phone's full-resolution photo is 2-8 MB; 16 MiB leaves room for a scanner's PNG.
MAX_UPLOAD_BYTES = 16 * 1024 * 1024
# Files announced and not yet complete, per sender: enough for a deed of several pages, not for a flood.
MAX_OPEN_UPLOADS = 8


def check_begin(conn: Conn, role: str, sender: str, b: MediaBegin) -> None:
    """Raise `Rejected` unless a customer or operator may announce this file."""
    allowed = [k for k, (roles, _order) in UPLOAD_KINDS.items() if role in roles]
    if b.kind not in allowed:
        raise Rejected(Reason.BAD_FILE, f"a {role} may upload only kind {' or '.join(map(repr, allowed))}, "
                                        f"not {b.kind!r}")
    if b.content_type not in CONTENT_TYPES:
        raise Rejected(Reason.BAD_FILE, f"content type {b.content_type!r} is not one of {', '.join(CONTENT_TYPES)}")
    if b.sealed:
        raise Rejected(Reason.BAD_FILE, "uploads are sent unsealed over the broker's TLS listener")
    if b.size <= 0:
        raise Rejected(Reason.BAD_FILE, "an empty file is not a photo")
    if b.size > MAX_UPLOAD_BYTES:
        raise Rejected(Reason.OVERSIZED, f"{b.size} bytes > {MAX_UPLOAD_BYTES} for an uploaded photo")
    needs_order = UPLOAD_KINDS[b.kind][1]
    if needs_order and b.order_id is None:
        raise Rejected(Reason.BAD_FILE, "an uploaded document names its order")
    if not needs_order and b.order_id is not None:
        raise Rejected(Reason.BAD_FILE, f"a {b.kind} photo names no order")
    if b.order_id is not None:
        row = conn.execute("SELECT customer_id FROM orders WHERE id=?", (b.order_id,)).fetchone()
        if row is None:
            raise Rejected(Reason.BAD_FILE, f"no order {b.order_id}")
        if role == "customer" and row[0] != sender:
            raise Rejected(Reason.BAD_FILE, f"order {b.order_id} is not {sender}'s")
    open_now = conn.execute("SELECT COUNT(*) FROM media_files WHERE sender=? AND status='partial'",
                            (sender,)).fetchone()[0]
    if open_now >= MAX_OPEN_UPLOADS:
        raise Rejected(Reason.BAD_FILE, f"{open_now} uploads of {sender} are still incomplete; finish those first")


def stored_copies(conn: Conn, sha256: str) -> list[tuple[str, str | None]]:
    """(sender, order id) of every accepted file with these bytes: who sent the image, and for which order."""
    return [(str(r[0]), r[1]) for r in conn.execute(
        "SELECT sender, order_id FROM media_files WHERE sha256=? AND status='complete'", (sha256,))]


def file_problem(path: Path, content_type: str) -> str | None:
    return image_problem(path.read_bytes(), content_type)
