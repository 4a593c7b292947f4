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
from protocol.limits import INT_MAX, payload_limit
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


def decode(raw: bytes, topic: str | None = None, *, limit: int | None = None) -> Envelope:
    """Parse the wire form; raise Rejected (and nothing else) for anything that is not a well-formed envelope.

    The strict checks (`protocol.strictjson`: size for `topic` or `limit`, UTF-8, depth, duplicate keys, NaN,
    64-bit integers) run on the bytes first, so the parser never sees a hazard it would silently accept."""
    value = strict_parse(raw, limit=payload_limit(topic) if limit is None else limit)
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


def open_envelope(raw: bytes, key_for: Callable[[str], Ed25519PublicKey | None],
                  topic: str | None = None) -> tuple[Envelope, msgspec.Struct]:
    """decode + verify + typed body, in the order that makes each refusal reason exact."""
    env = decode(raw, topic)
    verify(env, key_for)
    return env, typed_body(env)
