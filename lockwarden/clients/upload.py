"""Sending a photo to the hub from an app or an operator's client: the kit's media format
(`media.begin`, hashed chunks, `hub.media_ack`) on the sender's own upload topic. The hub answers each
batch with the chunk ranges it holds; the photo counts as sent only once the hub says `complete`."""

from __future__ import annotations

import hashlib

from lockwarden.clients.party import Party, Received
from protocol.frame import seal_frame
from protocol.ids import new_id
from protocol.images import content_type_of, image_problem
from protocol.messages.media import DEFAULT_CHUNK_SIZE, MediaBegin, MediaCancel, chunk_count

ROUNDS = 4  # resends of the chunks the hub still lacks before giving up


class UploadRefused(Exception):
    """The hub refused the photo (not an image, too large, not your order, ...); `detail` says why."""

    def __init__(self, file_id: str, detail: str) -> None:
        super().__init__(f"{file_id}: {detail}")
        self.file_id = file_id
        self.detail = detail



def upload_photo(party: Party, topic: str, data: bytes, *, order_id: str | None, kind: str = "document",
                 chunk_size: int = DEFAULT_CHUNK_SIZE, timeout: float = 30.0) -> str:
    """Send one photo: a `document` for `order_id`, or an `identity` / `registry` photo (no order; see
    hub/ingest/uploads.py). Returns its SHA-256 once the hub holds it verified."""
    problem = image_problem(data, content_type_of(data))
    if problem is not None:
        raise UploadRefused("", problem)  # the hub would refuse it too; say so before sending megabytes
    now = party.clock.now_ms()
    file_id = new_id(now)
    sha = hashlib.sha256(data).hexdigest()
    chunks = chunk_count(len(data), chunk_size)
    party.send("media.begin", MediaBegin(file_id=file_id, kind=kind, content_type=content_type_of(data),
                                         size=len(data), sha256=sha, chunk_size=chunk_size, chunks=chunks,
                                         captured_at=now, order_id=order_id), topic=topic)
    missing = list(range(chunks))
    for _round in range(ROUNDS):
        for i in missing:
            part = data[i * chunk_size : (i + 1) * chunk_size]
            party.publish_wire(topic, seal_frame(party.key, sender=party.id, seq=party.next_seq(),
                                                 ts=party.clock.now_ms(), file_id=file_id, index=i, data=part,
                                                 sha256=hashlib.sha256(part).hexdigest()))
        try:
            got = party.wait_for(lambda r: _ack_of(r, file_id) and r.env.body["status"] != "partial", timeout)
        except TimeoutError:
            acks = [r for r in party.events_since(0)[0] if _ack_of(r, file_id)]
            have = acks[-1].env.body["have"] if acks else []
            held = {i for first, last in have for i in range(first, last + 1)}
            missing = [i for i in range(chunks) if i not in held]
            continue
        if got.env.body["status"] in ("rejected", "cancelled"):
            raise UploadRefused(file_id, str(got.env.body.get("detail", "")))
        return sha
    # Withdraw it, so an upload the hub never completed does not hold one of the sender's few open slots.
    cancel_upload(party, topic, file_id, "no confirmation from the hub")
    raise TimeoutError(f"{file_id}: the hub did not confirm the photo")


def cancel_upload(party: Party, topic: str, file_id: str, reason: str = "") -> None:
    """`media.cancel`: the hub stops waiting for the file and frees its place among the open uploads."""
    party.send("media.cancel", MediaCancel(file_id=file_id, reason=reason), topic=topic)


def _ack_of(r: Received, file_id: str) -> bool:
    return r.env.type == "hub.media_ack" and r.env.body.get("file_id") == file_id
