"""The media chunk fast paths (`seal_chunk`, `decode_chunk`) are the general envelope, byte for byte."""

from __future__ import annotations

import base64
import hashlib
import os

import msgspec

from protocol.envelope import decode, decode_chunk, seal_chunk, seal_envelope, typed_body, verify
from protocol.keys import SigningKey
from protocol.messages.media import MediaChunk

FILE_ID = "01JGZ0000000000000000000AB"
MSG_ID = "01JGZ0000000000000000000AC"


def _pair(data: bytes) -> tuple[SigningKey, bytes, bytes]:
    key = SigningKey.generate()
    digest = hashlib.sha256(data).hexdigest()
    fast = seal_chunk(key, sender="kit-a", seq=7, ts=1767225600000, file_id=FILE_ID, index=3, data=data,
                      sha256=digest, msg_id=MSG_ID)
    body = MediaChunk(file_id=FILE_ID, index=3, size=len(data), sha256=digest,
                      data=base64.b64encode(data).decode("ascii"))
    slow = seal_envelope(key, sender="kit-a", seq=7, ts=1767225600000, type_name="media.chunk", body=body,
                         msg_id=MSG_ID).to_wire()
    return key, fast, slow


def test_seal_chunk_is_the_general_envelope_byte_for_byte() -> None:
    for size in (0, 1, 2, 3, 4096, 256 * 1024 + 1):
        _key, fast, slow = _pair(os.urandom(size))
        assert fast == slow


def test_decode_chunk_gives_the_general_envelope_and_the_bytes() -> None:
    data = os.urandom(300_000)
    key, fast, _slow = _pair(data)
    got = decode_chunk(fast)
    assert got is not None
    env, raw = got
    assert raw == data
    general = decode(fast)
    assert env.signing_bytes() == general.signing_bytes()
    verify(env, lambda _s: key.private.public_key())
    assert base64.b64decode(typed_body(general).data) == data  # type: ignore[attr-defined]


def test_decode_chunk_leaves_anything_unusual_to_the_general_path() -> None:
    data = os.urandom(4096)
    _key, fast, _slow = _pair(data)
    parsed = msgspec.json.decode(fast)
    bad_b64 = dict(parsed, body=dict(parsed["body"], data="!!" + parsed["body"]["data"][2:]))
    extra = dict(parsed, body=dict(parsed["body"], more=1))
    old = dict(parsed, v=0)
    record = dict(parsed, type="kit.record")
    for variant in (bad_b64, extra, old, record):
        assert decode_chunk(msgspec.json.encode(variant)) is None
    assert decode_chunk(b"not json" * 200) is None
