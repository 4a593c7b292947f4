"""The signed envelope every MQTT message travels in.

Wire form is JSON (readable with `mosquitto_sub`). The signature is Ed25519 over the RFC 8785 (JCS)
encoding of the envelope without `sig` (protocol/canonical.py), and for the types in DIGEST_BOUND also
without the bulk field, which the signed SHA-256 beside it binds instead. Receivers re-encode the
parsed value canonically, so any JSON re-formatting in transit is harmless but any change of value
breaks the signature.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol import PROTOCOL_VERSION
from protocol.canonical import canonical
from protocol.errors import Reason, Rejected
from protocol.ids import is_valid_id, new_id
from protocol.keys import SigningKey, b64, unb64
from protocol.limits import INT_MAX, MAX_MESSAGE_BYTES, payload_limit
from protocol.registry import MESSAGES, unknown_type
from protocol.strictjson import parse as strict_parse

# type -> (bulk field left out of the signed bytes, signed field holding its SHA-256)
DIGEST_BOUND: dict[str, tuple[str, str]] = {"media.chunk": ("data", "sha256")}


class Envelope(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    v: int
    id: str
    sender: str
    seq: int
    ts: int
    type: str
    body: dict[str, Any]
    sig: str = ""

    def signing_bytes(self) -> bytes:
        body = self.body
        if self.type in DIGEST_BOUND:
            # The bulk field is bound to the signature through the signed SHA-256 beside it (receivers
            # must check that digest, and do before storing), so a 256 KiB chunk is not hashed twice more
            # by Ed25519 on both ends.
            field, _digest = DIGEST_BOUND[self.type]
            body = {k: v for k, v in body.items() if k != field}
        return canonical(
            {"v": self.v, "id": self.id, "sender": self.sender, "seq": self.seq, "ts": self.ts,
             "type": self.type, "body": body}
        )

    def to_wire(self) -> bytes:
        return msgspec.json.encode(self)


def seal_envelope(
    key: SigningKey,
    *,
    sender: str,
    seq: int,
    ts: int,
    type_name: str,
    body: msgspec.Struct | dict[str, Any],
    msg_id: str | None = None,
) -> Envelope:
    """Build and sign an envelope. `body` is validated against the registered type before signing."""
    spec = MESSAGES.get(type_name)
    if spec is None:
        raise ValueError(f"unknown message type {type_name!r}")
    if isinstance(body, msgspec.Struct):
        body_dict = msgspec.to_builtins(body)
    else:
        msgspec.convert(body, spec.body)  # raises on a malformed body before it is ever signed
        body_dict = body
    env = Envelope(
        v=PROTOCOL_VERSION, id=msg_id or new_id(ts), sender=sender, seq=seq, ts=ts, type=type_name, body=body_dict
    )
    return msgspec.structs.replace(env, sig=b64(key.sign(env.signing_bytes())))


def decode(raw: bytes, topic: str | None = None) -> Envelope:
    """Parse the wire form; raise Rejected (and nothing else) for anything that is not a well-formed envelope.

    The strict checks (`protocol.strictjson`: size for `topic`, UTF-8, depth, duplicate keys, NaN, 64-bit
    integers) run on the bytes first, so the parser never sees a hazard it would silently accept."""
    value = strict_parse(raw, limit=payload_limit(topic))
    try:
        env = msgspec.convert(value, Envelope)
    except msgspec.ValidationError as exc:
        raise Rejected(Reason.MALFORMED, str(exc)) from None
    _check_head(env.v, env.id, env.seq, env.ts)
    return env


def _check_head(v: int, msg_id: str, seq: int, ts: int) -> None:
    if v != PROTOCOL_VERSION:
        raise Rejected(Reason.VERSION, f"envelope version {v}")
    if not is_valid_id(msg_id):
        raise Rejected(Reason.MALFORMED, f"id {msg_id[:40]!r} is not a time-ordered id")
    if not 0 <= seq <= INT_MAX:
        raise Rejected(Reason.INT_RANGE if seq > 0 else Reason.MALFORMED,
                       "negative sequence number" if seq < 0 else f"sequence number {seq} out of range")
    if not 0 <= ts <= INT_MAX:
        raise Rejected(Reason.INT_RANGE, f"timestamp {ts} out of range")


def verify(env: Envelope, key_for: Callable[[str], Ed25519PublicKey | None]) -> None:
    key = key_for(env.sender)
    if key is None:
        raise Rejected(Reason.UNKNOWN_SENDER, f"no key registered for sender {env.sender!r}")
    try:
        key.verify(unb64(env.sig), env.signing_bytes())
    except (InvalidSignature, ValueError) as exc:
        raise Rejected(Reason.BAD_SIGNATURE, f"signature of {env.id} from {env.sender!r} does not verify") from exc


def unknown_type_rejected(type_name: str) -> Rejected:
    """The refusal of a type this contract does not define: a retired one says what replaced it."""
    code, detail = unknown_type(type_name)
    return Rejected(Reason(code), detail)


def typed_body(env: Envelope) -> msgspec.Struct:
    spec = MESSAGES.get(env.type)
    if spec is None:
        raise unknown_type_rejected(env.type)
    try:
        return msgspec.convert(env.body, spec.body)
    except msgspec.ValidationError as exc:
        raise Rejected(Reason.BAD_SCHEMA, f"{env.type}: {exc}") from exc


# -- media chunks without a second pass over their bulk ------------------------------------------------------
# A chunk is most of the bytes on the wire. Encoding it through `seal_envelope` means base64 in Python, then
# a JSON string of ~350 KB copied into a dict and encoded again; decoding it means the reverse plus a
# Python base64 pass. These structs give msgspec the same wire shape with `data` typed as bytes, so the
# base64 is done in msgspec's C code during the one JSON pass. Field order and the base64 alphabet match
# `Envelope.to_wire()` of a `media.chunk`, byte for byte; the signed bytes are the same `signing_bytes()`.


class _ChunkBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    file_id: str
    index: int
    size: int
    sha256: str
    data: bytes


class _ChunkEnvelope(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    v: int
    id: str
    sender: str
    seq: int
    ts: int
    type: str
    body: _ChunkBody
    sig: str = ""


_chunk_encoder = msgspec.json.Encoder()
_chunk_decoder = msgspec.json.Decoder(_ChunkEnvelope)
_CHUNK_MEMBERS = len(_ChunkEnvelope.__struct_fields__) + len(_ChunkBody.__struct_fields__)


def seal_chunk(
    key: SigningKey, *, sender: str, seq: int, ts: int, file_id: str, index: int, data: bytes, sha256: str,
    msg_id: str | None = None,
) -> bytes:
    """The wire bytes of a signed `media.chunk` (what `seal_envelope(...).to_wire()` gives, faster)."""
    head = Envelope(v=PROTOCOL_VERSION, id=msg_id or new_id(ts), sender=sender, seq=seq, ts=ts,
                    type="media.chunk", body={"file_id": file_id, "index": index, "size": len(data),
                                              "sha256": sha256})
    sig = b64(key.sign(head.signing_bytes()))
    body = _ChunkBody(file_id=file_id, index=index, size=len(data), sha256=sha256, data=data)
    return _chunk_encoder.encode(_ChunkEnvelope(v=head.v, id=head.id, sender=sender, seq=seq, ts=ts,
                                                type="media.chunk", body=body, sig=sig))


def decode_chunk(raw: bytes) -> tuple[Envelope, bytes] | None:
    """Fast path for a well-formed `media.chunk`: the envelope (its body without `data`, which the
    signature does not cover directly) and the decoded chunk bytes. None for anything else or anything
    unusual; the caller then takes the general path, which gives every refusal its exact reason."""
    if len(raw) > MAX_MESSAGE_BYTES or len(raw) < 1024 or b'"media.chunk"' not in raw[:512]:
        return None
    try:
        ce = _chunk_decoder.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    b = ce.body
    if (ce.type != "media.chunk" or ce.v != PROTOCOL_VERSION or not 0 <= ce.seq <= INT_MAX
            or not 0 <= ce.ts <= INT_MAX or not 0 <= b.index <= INT_MAX or not 0 <= b.size <= INT_MAX
            or not is_valid_id(ce.id) or not ce.sig):
        return None
    # The typed decoder keeps the last of duplicate keys, and its fixed shape rules out depth, NaN and unknown
    # members: of `protocol.strictjson`'s checks only the duplicate count is left. 13 members, one `:` each,
    # and no `:` in any string (a short field with one, even escaped, takes the general path), so any other
    # count is a repeated member. The bulk of `data` is skipped rather than counted (a third of the cost of the
    # decode): from the first `"data":"`, as many bytes as the padded base64 of the decoded bytes, checked to
    # hold no quote (memchr) and to end at one, is the inside of one string; base64 has no `:`; and a second
    # `data` member after it is outside the span and counted. Anything unusual goes the general path.
    if any(":" in x for x in (ce.sender, ce.type, ce.sig, b.file_id, b.sha256)):
        return None
    start = raw.find(b'"data":"') + 8
    end = start + 4 * ((len(b.data) + 2) // 3)
    if (start < 8 or raw[end : end + 1] != b'"' or raw.find(b'"', start, end) >= 0
            or raw.count(b":", 0, start) + raw.count(b":", end) != _CHUNK_MEMBERS):
        return None
    env = Envelope(v=ce.v, id=ce.id, sender=ce.sender, seq=ce.seq, ts=ce.ts, type=ce.type,
                   body={"file_id": b.file_id, "index": b.index, "size": b.size, "sha256": b.sha256},
                   sig=ce.sig)
    return env, b.data


def open_envelope(raw: bytes, key_for: Callable[[str], Ed25519PublicKey | None],
                  topic: str | None = None) -> tuple[Envelope, msgspec.Struct]:
    """decode + verify + typed body, in the order that makes each refusal reason exact."""
    env = decode(raw, topic)
    verify(env, key_for)
    return env, typed_body(env)
