"""The media chunk frame (contract 2): a chunk's raw bytes behind a one-line signed header.

    frame  = "LWC1" LF header LF data
    header = the `media.chunk` envelope, JSON on one line, its body without `data` (at most 4 KiB)
    data   = exactly `body.size` raw bytes, whose SHA-256 is `body.sha256`

Until contract 1 a chunk was base64 inside the JSON envelope: a third more bytes on the wire, and both ends
encoded or decoded every byte besides hashing it. The header is the very envelope contract 1 signed (its
signed bytes never held `data`, see `Envelope.signing_bytes`), so a signature is made and checked the same
way and the file's signed `media.begin` still binds every chunk through its hash. `mosquitto_sub` shows the
magic and the header as text, then the bytes.

Each end touches the bytes once: the kit hashes what it read and copies it once into the frame; the hub
hashes a memoryview of the payload and writes the same view to disk. Receivers parse the header with the
strict parser (`protocol.strictjson`) like any envelope, and check the byte count against the signed size
before anything is written.
"""

from __future__ import annotations

import msgspec

from protocol import PROTOCOL_VERSION
from protocol.envelope import Envelope, decode
from protocol.errors import Reason, Rejected
from protocol.ids import new_id
from protocol.keys import SigningKey, b64
from protocol.limits import FRAME_HEADER_BYTES, payload_limit

MAGIC = b"LWC1\n"
CHUNK_TYPE = "media.chunk"
_LF = 0x0A


class FrameBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A frame header's body: `media.chunk` without `data` (the bytes follow the header)."""

    file_id: str
    index: int
    size: int
    sha256: str


_encoder = msgspec.json.Encoder()


def is_frame(raw: bytes) -> bool:
    return raw[:5] == MAGIC


def seal_frame(
    key: SigningKey, *, sender: str, seq: int, ts: int, file_id: str, index: int, data: bytes, sha256: str,
    msg_id: str | None = None,
) -> bytes:
    """The wire bytes of a signed chunk frame. `sha256` is the hex SHA-256 of `data` (the caller hashed it
    once already, when it read the bytes)."""
    body = {"file_id": file_id, "index": index, "size": len(data), "sha256": sha256}
    head = Envelope(v=PROTOCOL_VERSION, id=msg_id or new_id(ts), sender=sender, seq=seq, ts=ts, type=CHUNK_TYPE,
                    body=body)
    head = msgspec.structs.replace(head, sig=b64(key.sign(head.signing_bytes())))
    # One copy of the bytes into the payload; the header is a few hundred bytes.
    return b"".join((MAGIC, _encoder.encode(head), b"\n", data))


def decode_frame(raw: bytes, topic: str | None = None) -> tuple[Envelope, memoryview]:
    """Split and check a frame: the header envelope (strictly parsed, its body exactly the four signed fields)
    and a view of the chunk bytes (no copy). Raises Rejected, and nothing else, for anything that is not a
    well-formed frame; the signature and the hash are the caller's to check."""
    limit = payload_limit(topic)
    if len(raw) > limit:
        raise Rejected(Reason.OVERSIZED, f"{len(raw)} bytes > {limit}")
    if not is_frame(raw):
        raise Rejected(Reason.MALFORMED, "not a chunk frame (it does not start with LWC1 and a line feed)")
    end = raw.find(b"\n", len(MAGIC), len(MAGIC) + FRAME_HEADER_BYTES + 1)
    if end < 0:
        raise Rejected(Reason.MALFORMED, f"chunk frame header has no line feed within {FRAME_HEADER_BYTES} bytes")
    env = decode(raw[len(MAGIC):end], None, limit=FRAME_HEADER_BYTES)
    if env.type != CHUNK_TYPE:
        raise Rejected(Reason.MALFORMED, f"a chunk frame's header must be a {CHUNK_TYPE}, not {env.type[:40]!r}")
    try:
        body = msgspec.convert(env.body, FrameBody)
    except msgspec.ValidationError as exc:
        raise Rejected(Reason.BAD_SCHEMA, f"chunk frame header: {exc}") from None
    data = memoryview(raw)[end + 1:]
    if len(data) != body.size:
        raise Rejected(Reason.BAD_CHUNK, f"chunk {body.index} frame carries {len(data)} bytes, its header says "
                                         f"{body.size}")
    return env, data
