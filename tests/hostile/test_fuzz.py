"""Fuzzing the decoders with hypothesis: for any bytes, each decoder returns or raises its declared refusal
(`Rejected` for envelopes, chunk frames and strict JSON, msgspec.DecodeError from the police
export's line reader), never anything else; and the strict checks agree with a reference parser on what
they accept."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.police.reader import decode_raw
from protocol import strictjson
from protocol.envelope import decode, open_envelope
from protocol.errors import Rejected
from protocol.frame import decode_frame
from protocol.keys import SigningKey
from protocol.limits import INT_MAX, INT_MIN
from tests.hostile.craft import Signer

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEY = SigningKey.generate()


class _Clock:
    def now_ms(self) -> int:
        return 1_767_225_600_000


SIGNER = Signer("kit-a", KEY, _Clock())  # type: ignore[arg-type]
GOOD = [SIGNER.record(), SIGNER.chunk("01JGZ0000000000000000000XX", b"x" * 2000),
        SIGNER.chunk("01JGZ0000000000000000000XY", bytes(range(256)) * 5), SIGNER.begin("01JGZ0000000000000000000XX"),
        SIGNER.frame("01JGZ0000000000000000000XZ", b"\n" + bytes(range(256)) * 4),
        SIGNER.frame("01JGZ0000000000000000000XW", b"")]
TOKENS = [b"\n", b"LWC1\n", b'"data":"QUJD",', b'"index":1,', b"{", b"}", b"[", b"]", b",", b":", b'"', b"\\", b"\\u0000", b"\\ud800", b"NaN", b"-Infinity", b"1e999",
          b"18446744073709551616", b'"a":1', b'"sender":"kit-a"', b"\xff", b"\xc3", b" ", b"null", b"-0", b"0.5e-3"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=INT_MIN, max_value=INT_MAX)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


@st.composite
def mutated(draw: Any) -> bytes:
    """A real message with hostile bytes spliced in, deleted or repeated."""
    raw = bytearray(draw(st.sampled_from(GOOD)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(raw)))
        op = draw(st.integers(0, 2))
        if op == 0:
            raw[at:at] = draw(st.sampled_from(TOKENS)) * draw(st.integers(1, 60))
        elif op == 1:
            raw[at : at + draw(st.integers(1, 20))] = b""
        else:
            raw[at:at] = draw(st.binary(max_size=8))
    return bytes(raw)


inputs = st.binary(max_size=512) | mutated()

_counts: dict[str, int] = {}


def _only_refusals(fn: Any, raw: bytes, allowed: tuple[type[BaseException], ...]) -> None:
    try:
        fn(raw)
    except allowed:
        pass
    _counts[fn.__name__] = _counts.get(fn.__name__, 0) + 1


@FUZZ
@given(inputs)
def test_envelope_decode_refuses_only_with_rejected(raw: bytes) -> None:
    _only_refusals(decode, raw, (Rejected,))
    _only_refusals(lambda r: open_envelope(r, lambda s: KEY.private.public_key()), raw, (Rejected,))


@FUZZ
@given(inputs)
def test_chunk_frame_refuses_only_with_rejected_and_accepts_only_a_strict_header(raw: bytes) -> None:
    try:
        env, data = decode_frame(raw)
    except Rejected:
        return
    end = raw.index(b"\n", 5)
    again = decode(raw[5:end])  # the header alone passes the strict checks of any envelope
    assert again == env and env.type == "media.chunk" and set(env.body) == {"file_id", "index", "size", "sha256"}
    assert len(data) == env.body["size"] and bytes(data) == raw[end + 1:]


@FUZZ
@given(inputs)
def test_police_line_reader_refuses_only_with_decode_error(raw: bytes) -> None:
    line = b'{"seq":1,"prev":"' + b"0" * 64 + b'","hash":"' + b"0" * 64 + b'","env":' + raw + b"}"
    for candidate in (raw, line):
        try:
            decode_raw(candidate)
        except msgspec.DecodeError:
            pass


@FUZZ
@given(json_values)
def test_strict_parse_accepts_what_a_reference_parser_reads_identically(value: Any) -> None:
    raw = json.dumps(value, ensure_ascii=False).encode()
    assert strictjson.parse(raw) == json.loads(raw)


@FUZZ
@given(json_values, st.data())
def test_a_duplicated_key_anywhere_is_refused(value: Any, data: Any) -> None:
    raw = json.dumps({"wrap": value, "k": 1}).encode()
    # repeat the key "k" (a real duplicate) at the top level, possibly spelled with an escape
    spelled = data.draw(st.sampled_from([b'"k"', b'"\\u006b"']))
    dup = raw[:-1] + b"," + spelled + b":2}"
    try:
        strictjson.parse(dup)
    except Rejected as rej:
        assert rej.reason.value == "duplicate_key"
    else:
        raise AssertionError(f"duplicate key accepted: {dup[:200]!r}")


@FUZZ
@given(st.integers(min_value=33, max_value=3000), st.sampled_from([b"[", b'{"a":']))
def test_nesting_beyond_the_limit_is_refused_as_too_deep(levels: int, opener: bytes) -> None:
    closer = b"]" if opener == b"[" else b"}"
    try:
        strictjson.parse(opener * levels + b"1" + closer * levels)
    except Rejected as rej:
        assert rej.reason.value == "too_deep"
    else:
        raise AssertionError("accepted")


@FUZZ
@given(json_values, st.integers(min_value=INT_MAX + 1) | st.integers(max_value=INT_MIN - 1),
       st.sampled_from([None, 0, 2]))
def test_an_integer_without_a_canonical_encoding_anywhere_is_refused(value: Any, big: int, indent: int | None) -> None:
    raw = json.dumps({"wrap": [value, {"n": big}]}, indent=indent).encode()
    try:
        strictjson.parse(raw)
    except Rejected as rej:
        assert rej.reason.value == "integer_out_of_range"
    else:
        raise AssertionError(f"accepted {big}")
