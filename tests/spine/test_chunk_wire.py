"""The chunk frame (protocol/frame.py): its header is the contract-1 `media.chunk` envelope without `data`,
signed the same way; the bytes behind it are exactly the signed size; anything else is refused with a reason."""

from __future__ import annotations

import base64
import hashlib
import os

import msgspec
import pytest

from protocol.envelope import seal_envelope, verify
from protocol.errors import Rejected
from protocol.frame import MAGIC, decode_frame, seal_frame
from protocol.keys import SigningKey
from protocol.limits import FRAME_HEADER_BYTES, MAX_CHUNK_BYTES, MAX_MESSAGE_BYTES
from protocol.messages.media import MediaChunk

FILE_ID = "01JGZ0000000000000000000AB"
MSG_ID = "01JGZ0000000000000000000AC"
KEY = SigningKey.generate()


def _frame(data: bytes, **kw: object) -> bytes:
    fields: dict = dict(sender="kit-a", seq=7, ts=1767225600000, file_id=FILE_ID, index=3, data=data,  # type: ignore[type-arg]
                        sha256=hashlib.sha256(data).hexdigest(), msg_id=MSG_ID)
    fields.update(kw)
    return seal_frame(KEY, **fields)


def _reason(raw: bytes) -> str:
    with pytest.raises(Rejected) as exc:
        decode_frame(raw)
    return exc.value.reason.value


def test_frame_is_magic_header_line_then_the_raw_bytes() -> None:
    data = os.urandom(4096)
    raw = _frame(data)
    assert raw.startswith(MAGIC) and raw.endswith(data)
    header = raw[len(MAGIC):raw.index(b"\n", len(MAGIC))]
    assert len(raw) == len(MAGIC) + len(header) + 1 + len(data)  # no base64, no envelope around the bytes
    assert msgspec.json.decode(header)["body"] == {"file_id": FILE_ID, "index": 3, "size": 4096,
                                                  "sha256": hashlib.sha256(data).hexdigest()}


def test_header_is_signed_exactly_as_the_contract_1_chunk() -> None:
    for size in (0, 1, 300_000):
        data = os.urandom(size)
        env, view = decode_frame(_frame(data))
        assert bytes(view) == data
        verify(env, lambda _s: KEY.private.public_key())
        body = MediaChunk(file_id=FILE_ID, index=3, size=size, sha256=hashlib.sha256(data).hexdigest(),
                          data=base64.b64encode(data).decode())
        old = seal_envelope(KEY, sender="kit-a", seq=7, ts=1767225600000, type_name="media.chunk", body=body,
                            msg_id=MSG_ID)
        assert old.signing_bytes() == env.signing_bytes() and old.sig == env.sig


def test_the_largest_chunk_fits_one_message() -> None:
    raw = _frame(b"\0" * MAX_CHUNK_BYTES, sender="k" * 128)
    assert len(raw) <= MAX_MESSAGE_BYTES
    decode_frame(raw, "lw/v1/kit/kit-a/up/media")


def test_malformed_frames_are_refused_with_their_reason() -> None:
    data = os.urandom(1000)
    raw = _frame(data)
    cut = raw.index(b"\n", len(MAGIC))
    header, rest = raw[len(MAGIC):cut], raw[cut:]
    parsed = msgspec.json.decode(header)

    def with_header(value: object) -> bytes:
        return MAGIC + msgspec.json.encode(value) + rest

    assert _reason(raw[:-1]) == "bad_chunk"  # fewer bytes than the signed size
    assert _reason(raw + b"x") == "bad_chunk"
    assert _reason(b"LWC2\n" + raw[5:]) == "malformed"
    assert _reason(MAGIC + b"x" * (FRAME_HEADER_BYTES + 10)) == "malformed"  # no header end in 4 KiB
    decode_frame(MAGIC + b" " * (FRAME_HEADER_BYTES - len(header)) + header + rest)  # 4 KiB of header is fine
    assert _reason(MAGIC + b" " * (FRAME_HEADER_BYTES + 1 - len(header)) + header + rest) == "malformed"
    assert _reason(raw[:len(MAGIC)] + header[:-1] + rest) == "malformed"  # truncated JSON
    assert _reason(MAGIC + header.replace(b'"index":3', b'"index":3,"index":4') + rest) == "duplicate_key"
    assert _reason(with_header(dict(parsed, body=dict(parsed["body"], data="")))) == "bad_schema"
    assert _reason(with_header(dict(parsed, body=dict(parsed["body"], size="1000")))) == "bad_schema"
    assert _reason(with_header(dict(parsed, type="kit.record"))) == "malformed"
    assert _reason(with_header(dict(parsed, v=2))) == "unsupported_version"
    assert _reason(with_header(dict(parsed, seq=2**64))) == "integer_out_of_range"
    assert _reason(MAGIC + header.replace(b"kit-a", b"kit-\xff") + rest) == "not_utf8"
    assert _reason(raw + b"\0" * MAX_MESSAGE_BYTES) == "oversized"
