"""What an attacker with an account's key and broker password can put on the wire: envelopes signed over any
body (no schema check), with raw byte edits after signing (duplicate keys, nesting, huge numbers)."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from protocol import PROTOCOL_VERSION
from protocol.clock import Clock
from protocol.envelope import Envelope
from protocol.ids import new_id
from protocol.keys import SigningKey, b64

ULID_X = "01JGZ0000000000000000000XX"
SHA_X = "0" * 64


class Signer:
    """One account's key and its own sequence numbers."""

    def __init__(self, sender: str, key: SigningKey, clock: Clock, seq: int = 1_000_000) -> None:
        self.sender = sender
        self.key = key
        self.clock = clock
        self.seq = seq

    def env(self, type_name: str, body: dict[str, Any], *, seq: int | None = None, sender: str | None = None,
            msg_id: str | None = None) -> Envelope:
        if seq is None:
            self.seq += 1
            seq = self.seq
        now = self.clock.now_ms()
        env = Envelope(v=PROTOCOL_VERSION, id=msg_id or new_id(now), sender=sender or self.sender, seq=seq, ts=now,
                       type=type_name, body=body)
        return msgspec.structs.replace(env, sig=b64(self.key.sign(env.signing_bytes())))

    def wire(self, type_name: str, body: dict[str, Any], **kw: Any) -> bytes:
        return self.env(type_name, body, **kw).to_wire()

    def record(self, kind: str = "test.note", data: dict[str, Any] | None = None) -> bytes:
        return self.wire("kit.record", {"kind": kind, "captured_at": self.clock.now_ms(), "data": data or {"x": 1}})

    def begin(self, file_id: str, *, size: int = 10, sha256: str = SHA_X, kind: str = "photo.lock_before",
              content_type: str = "image/jpeg", order_id: str | None = None) -> bytes:
        chunk = 256 * 1024
        return self.wire("media.begin", {
            "file_id": file_id, "kind": kind, "content_type": content_type, "size": size, "sha256": sha256,
            "chunk_size": chunk, "chunks": max(1, -(-size // chunk)), "captured_at": self.clock.now_ms(),
            "order_id": order_id, "sealed": False, "meta": {}})

    def frame(self, file_id: str, data: bytes = b"0123456789", *, header: bytes | None = None,
              **body: Any) -> bytes:
        """A chunk frame (contract 2): `body` overrides header fields before signing; `header` replaces the
        signed header line by other bytes."""
        import hashlib

        from protocol.frame import MAGIC

        fields = {"file_id": file_id, "index": 0, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                  **body}
        line = header if header is not None else self.wire("media.chunk", fields)
        return MAGIC + line + b"\n" + data

    def chunk(self, file_id: str, data: bytes = b"0123456789") -> bytes:
        """A contract-1 chunk: base64 inside the JSON envelope."""
        import base64
        import hashlib

        return self.wire("media.chunk", {"file_id": file_id, "index": 0, "size": len(data),
                                         "sha256": hashlib.sha256(data).hexdigest(),
                                         "data": base64.b64encode(data).decode()})


def deep(levels: int, opener: bytes = b"[") -> bytes:
    closer = b"]" if opener == b"[" else b"}"
    if opener == b"{":
        return b'{"a":' * levels + b"1" + closer * levels
    return opener * levels + b"1" + closer * levels


def hostile_payloads(s: Signer, *, record_type: bool) -> list[tuple[str, bytes, set[str]]]:
    """(case name, payload, the reasons it may be refused with) for one account's own up topic.

    `record_type`: the account may send kit.record (a kit); others get a type they may send refused on
    schema or dispatch grounds, so every case is refused by the hub, whatever reaches it."""
    rec = s.record() if record_type else s.wire("ops.request", {"txn": "t", "op": "nothing.such", "args": {}})
    cases: list[tuple[str, bytes, set[str]]] = [
        ("deep_array_1000", b'{"body":{"x":' + deep(1000) + b"}}", {"too_deep"}),
        ("deep_object_200", deep(200, b"{"), {"too_deep"}),
        ("deep_inside_signed", s.wire("kit.record", {"kind": "k", "captured_at": 1, "data": {"d": _nest(40)}}),
         {"too_deep"}),
        ("dup_body_key", _dup_first_body_key(rec), {"duplicate_key"}),
        ("dup_sender", rec.replace(b'{"v":1,', b'{"v":1,"sender":"kit-a",', 1), {"duplicate_key"}),
        ("dup_escaped", rec.replace(b'{"v":1,', b'{"v":1,"t\\u0079pe":"x",', 1), {"duplicate_key"}),
        ("nan", rec.replace(b'"v":1', b'"v":NaN', 1), {"non_finite_number"}),
        ("infinity", rec.replace(b'"v":1', b'"v":-Infinity', 1), {"non_finite_number"}),
        ("float_overflow", rec.replace(b'"v":1', b'"v":1e999', 1), {"non_finite_number"}),
        # no signer encodes these (they have no canonical form): an attacker edits the bytes after signing
        ("seq_2_64", re.sub(rb'"seq":\d+', b'"seq":18446744073709551616', rec, count=1), {"integer_out_of_range"}),
        ("int_in_body_2_70", s.wire("kit.record", {"kind": "k", "captured_at": 1, "data": {"n": 7}}).replace(
            b'"n":7', b'"n":' + str(2**70).encode(), 1), {"integer_out_of_range"}),
        ("negative_seq", s.wire("kit.record", {"kind": "k", "captured_at": 1, "data": {}}, seq=-1), {"malformed"}),
        ("not_utf8", rec.replace(b'"v":1', b'"v":1,"\xff\xfe":1', 1), {"not_utf8"}),
        ("not_json", b"\x00\x01garbage{", {"malformed", "not_utf8"}),
        ("empty", b"", {"malformed"}),
        ("oversized_record", s.wire("kit.record", {"kind": "k", "captured_at": 1, "data": {"pad": "x" * 300_000}}),
         {"oversized"}),
        ("forged_signature", rec.replace(b'"sig":"', b'"sig":"AAAA', 1), {"bad_signature", "malformed"}),
        ("altered_body", rec.replace(b'"x":1', b'"x":2', 1) if b'"x":1' in rec else rec.replace(b'"t"', b'"u"', 1),
         {"bad_signature"}),
        ("forged_sender", s.wire("kit.record", {"kind": "k", "captured_at": 1, "data": {}}, sender="kit-a"),
         {"bad_signature", "wrong_sender_for_topic"}),
        ("sender_hub", s.wire("hub.ack", {"stored": [], "quarantined": []}, sender="hub"),
         {"unknown_sender", "bad_signature", "wrong_sender_for_topic"}),
        ("unknown_type", s.wire("evil.type", {"a": 1}), {"unknown_type"}),
    ]
    if not record_type:
        cases.append(("kit_type_from_app", s.record(), {"wrong_type_for_topic"}))
    return cases


def traversal_begins(s: Signer) -> list[tuple[str, bytes, set[str]]]:
    """media.begin / media.chunk whose ids try to become paths."""
    bad_ids = {"dotdot": "../../escaped", "absolute": "/tmp/escaped-abs", "nul": "01JGZ000000000\x0000000000XX",
               "long": "A" * 5000, "backslash": "..\\..\\escaped", "dot": ".", "empty": ""}
    out: list[tuple[str, bytes, set[str]]] = []
    for name, fid in bad_ids.items():
        out.append((f"begin_file_id_{name}", s.begin(fid), {"bad_id", "bad_file"}))
        out.append((f"chunk_file_id_{name}", s.chunk(fid), {"bad_id", "bad_chunk"}))
        # a 5000-character id makes the header longer than a frame header may be: malformed
        out.append((f"frame_file_id_{name}", s.frame(fid), {"bad_id", "bad_chunk", "malformed"}))
    out.append(("begin_sha_traversal", s.begin(new_id(s.clock.now_ms()), sha256="../../../../tmp/escaped-sha"),
                {"bad_id", "bad_file"}))
    return out


def hostile_frames(s: Signer) -> list[tuple[str, bytes, set[str]]]:
    """Chunk frames (protocol/frame.py) broken every way a header and its bytes can be."""
    from protocol.frame import MAGIC

    fid = new_id(s.clock.now_ms())
    good = s.frame(fid, b"x" * 1000)
    head = good[len(MAGIC):good.index(b"\n", len(MAGIC))]
    data = b"x" * 1000
    return [
        ("frame_truncated", good[:-1], {"bad_chunk"}),
        ("frame_extra_bytes", good + b"y", {"bad_chunk"}),
        ("frame_size_lie", s.frame(fid, data, size=10**9), {"bad_chunk"}),
        ("frame_sha_lie", s.frame(fid, data, sha256="1" * 64), {"bad_chunk"}),
        ("frame_no_header_end", MAGIC + b'{"v":1' + b" " * 5000, {"malformed"}),
        ("frame_header_not_json", MAGIC + b"garbage\n" + data, {"malformed"}),
        ("frame_wrong_magic", b"LWC9\n" + head + b"\n" + data, {"malformed"}),
        ("frame_header_dup_key", s.frame(fid, data, header=head.replace(b'"index":0', b'"index":0,"index":1')),
         {"duplicate_key"}),
        ("frame_header_deep", s.frame(fid, data, header=deep(300)), {"too_deep"}),
        ("frame_header_big_int", s.frame(fid, data, header=head.replace(b'"index":0', b'"index":' + b"9" * 30)),
         {"integer_out_of_range"}),
        ("frame_header_not_utf8", s.frame(fid, data, header=head.replace(b"media.chunk", b"media.\xffhunk")),
         {"not_utf8"}),
        ("frame_base64_inside", s.frame(fid, data, data_b64="eHh4"), {"bad_schema"}),
        ("frame_of_a_record", s.frame(fid, data, header=s.record()), {"malformed"}),
        ("frame_altered_header", s.frame(fid, data, header=head.replace(b'"index":0', b'"index":1')),
         {"bad_signature"}),
        ("frame_oversized", s.frame(fid, b"z" * (1024 * 1024)), {"oversized"}),
    ]


def _dup_first_body_key(wire: bytes) -> bytes:
    """An unsigned earlier value under the body's first (signed) key: `{"kind":"job.aborted","kind":...`."""
    at = wire.index(b'"body":{') + len(b'"body":{')
    key = wire[at : wire.index(b'"', at + 1) + 1]
    return wire[:at] + key + b':"job.aborted",' + wire[at:]


def _nest(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value
