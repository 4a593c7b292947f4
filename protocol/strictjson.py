"""Strict JSON: the checks every receiver runs on inbound bytes, refusing what a JSON parser would accept.

msgspec (and the standard library) accept what this contract must refuse: a duplicate key silently keeps its
last value (so evidence bytes could carry an unsigned earlier `"sender"`), a thousand nested arrays raise
RecursionError, integers of any size decode to Python ints that overflow SQLite, and the standard library
reads `NaN`. `parse` refuses each with its own reason code (a `Rejected`, never another exception):

- size over the topic's limit (`oversized`), bytes that are not UTF-8 (`not_utf8`),
- nesting deeper than `MAX_DEPTH` (`too_deep`), the same key twice in one object, compared after
  unescaping (`duplicate_key`), `NaN`/`Infinity` or a float that overflows (`non_finite_number`), an
  integer outside +-(2**53 - 1), which has no canonical encoding (`integer_out_of_range`).

Cost, kept small because every message pays it (bench/bench_decode.py): size, UTF-8, depth and NaN are judged
on the bytes before any parser, in C (a count of brackets; only past `MAX_DEPTH` of them are strings dropped
and paired brackets removed level by level). Duplicate keys are found by arithmetic: every `:` outside a
string separates one key from its value, so the value re-encoded from what the parser kept has as many `:`
bytes as the message unless a key was repeated (the parser kept one member for two). Only then, or when a
`\\u` escape could hide a `:` or a key's spelling, does the exact token scanner (`scan`) run, to name it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec

from protocol.errors import Reason, Rejected
from protocol.limits import INT_MAX, INT_MIN, MAX_DEPTH, MAX_MESSAGE_BYTES

# group 1: the ':' after a string (it is a key); group 2: a number; group 3: a bare word
_TOKEN = re.compile(
    rb'"[^"\\]*(?:\\.[^"\\]*)*"(?:[ \t\r\n]*(:))?'
    rb"|[\[\]{}]"
    rb"|(-?[0-9][0-9.eE+-]*)"
    rb"|([A-Za-z]+)",
    re.DOTALL,
)
_OPEN = frozenset(b"[{")
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
# keep only brackets, all as one kind (`[`/`]`), for the depth count; and every digit as `0`, anything else `x`
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# A number literal follows `:`, `[` or `,` (whitespace aside), maybe with a `-`: keep those as `:`, digits as `0`,
# `-` as is, anything else `x`; an integer of 16+ digits then shows as `:000...` or `:-000...`. Only then (or
# for a string that looks the same) are the parsed numbers looked at.
_NUMBERS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x3A if b in b":[," else 0x2D if b == 0x2D else 0x78
                 for b in range(256))
_LONG_INT = b":" + b"0" * 16  # INT_MAX has 16 digits
_LONG_NEG = b":-" + b"0" * 16
_ENCODE = msgspec.json.Encoder().encode
_INT_DIGITS = 15  # any integer literal of at most this many digits is within INT_MIN..INT_MAX


def parse(raw: bytes, *, limit: int = MAX_MESSAGE_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """The plain value of `raw` if it passes every check; otherwise `Rejected` (and nothing else)."""
    precheck(raw, limit=limit, max_depth=max_depth)
    try:
        value = msgspec.json.decode(raw)
    except msgspec.ValidationError as exc:  # msgspec's only validation on untyped JSON: a float too big
        raise Rejected(Reason.NON_FINITE, str(exc)) from None
    except msgspec.DecodeError as exc:
        raise Rejected(Reason.MALFORMED, str(exc)) from None
    except RecursionError:  # unreachable after the depth check; kept so no input escapes as a crash
        raise Rejected(Reason.TOO_DEEP, f"nesting deeper than {max_depth} levels") from None
    check_value(raw, value, max_depth=max_depth)
    return value


def precheck(raw: bytes, *, limit: int = MAX_MESSAGE_BYTES, max_depth: int = MAX_DEPTH) -> None:
    """What can be refused before any parser runs: size, UTF-8, depth, NaN."""
    if len(raw) > limit:
        raise Rejected(Reason.OVERSIZED, f"{len(raw)} bytes > {limit}")
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Rejected(Reason.NOT_UTF8, f"byte {exc.start} is not UTF-8") from None
    if raw.count(b"[") + raw.count(b"{") > max_depth and _too_deep(raw, max_depth):
        raise Rejected(Reason.TOO_DEEP, f"nesting deeper than {max_depth} levels")
    if b"NaN" in raw or b"Infinity" in raw:  # the parser refuses these too, as merely malformed
        scan(raw, max_depth=max_depth, keys=False)


def _too_deep(raw: bytes, max_depth: int) -> bool:
    """Depth without a tokenizer loop in Python: drop the strings, keep the brackets, then remove the innermost
    pairs (`[]`) once per level; still reducible after `max_depth` passes means deeper than that. Each pass of
    `bytes.replace` removes exactly one level (it never rescans what it produced)."""
    # without a `\\"` anywhere, every other piece between quotes is the inside of a string
    outside = b"".join(raw.split(b'"')[::2]) if b'\\"' not in raw else _STRING.sub(b"", raw)
    s = outside.translate(_BRACKETS, _NOT_BRACKETS)
    for passes in range(max_depth):
        t = s.replace(b"[]", b"")
        if t == s:
            # empty, or brackets that do not pair up (malformed): unpaired openers still nest what follows
            return passes + s.count(b"[") > max_depth
        s = t
    return b"[" in s


def check_value(raw: bytes, value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """The checks that need the parsed value beside its bytes: integer range and duplicate keys."""
    numbers = raw.translate(_NUMBERS, b" \t\r\n")
    if _LONG_INT in numbers or _LONG_NEG in numbers:
        _check_ints(value)
    # msgspec writes every member with one `:` and never escapes a `:` inside a string
    if _ENCODE(value).count(b":") != raw.count(b":") or b"\\u" in raw:
        scan(raw, max_depth=max_depth, keys=True)


def _check_ints(value: Any) -> None:
    stack = [value]
    while stack:
        o = stack.pop()
        t = type(o)
        if t is dict:
            stack.extend(o.values())
        elif t is list:
            stack.extend(o)
        elif t is int and not INT_MIN <= o <= INT_MAX:
            raise Rejected(Reason.INT_RANGE, f"integer {str(o)[:24]} outside +-(2**53 - 1)")


def scan(raw: bytes, *, max_depth: int = MAX_DEPTH, keys: bool = True) -> None:
    """The exact token scanner (slow path): depth, bare NaN/Infinity, and with `keys` duplicate keys."""
    # stack of open containers: a set of the keys seen so far for an object, None for an array
    stack: list[set[bytes] | None] = []
    for m in _TOKEN.finditer(raw):
        start = m.start()
        c = raw[start]
        if c == 0x22:  # a string
            if not keys or m.start(1) < 0 or not stack:
                continue
            seen = stack[-1]
            if seen is None:
                continue
            key = raw[start + 1 : m.start(1)].rstrip(b" \t\r\n")[:-1]
            if b"\\" in key:
                key = _unescape(key)
            if key in seen:
                shown = key[:40].decode("utf-8", "replace")
                raise Rejected(Reason.DUPLICATE_KEY, f"key {shown!r} appears twice in one object (byte {start})")
            seen.add(key)
        elif c in _OPEN:
            if len(stack) >= max_depth:
                raise Rejected(Reason.TOO_DEEP, f"nesting deeper than {max_depth} levels (byte {start})")
            stack.append(set() if c == 0x7B else None)
        elif c == 0x7D or c == 0x5D:
            if stack:
                stack.pop()
        elif m.start(2) >= 0:
            _number(m.group(2), start)
        else:
            word = m.group(3)
            if word in (b"NaN", b"Infinity"):
                raise Rejected(Reason.NON_FINITE, f"{word.decode()} is not a JSON number (byte {start})")


def _number(tok: bytes, at: int) -> None:
    if b"." not in tok and b"e" not in tok and b"E" not in tok:
        digits = len(tok) - (tok[:1] == b"-")
        if digits > _INT_DIGITS:
            try:
                value = int(tok)
            except ValueError:
                return  # not a number at all: the parser says malformed
            if not INT_MIN <= value <= INT_MAX:
                raise Rejected(Reason.INT_RANGE, f"integer of {digits} digits outside +-(2**53 - 1) (byte {at})")
        return
    try:
        value_f = float(tok)
    except ValueError:
        return
    if value_f in (float("inf"), float("-inf")):
        raise Rejected(Reason.NON_FINITE, f"number {tok[:24].decode()} overflows a double (byte {at})")


def _unescape(key: bytes) -> bytes:
    """`"\\u006bind"` is the key `kind`: compare keys as the parser will see them."""
    try:
        return str(json.loads(b'"' + key + b'"')).encode("utf-8", "surrogatepass")
    except ValueError:
        return key  # a bad escape: the parser refuses it as malformed


def check(raw: bytes, *, limit: int = MAX_MESSAGE_BYTES, max_depth: int = MAX_DEPTH) -> None:
    """`parse`, for a caller that only needs the verdict."""
    parse(raw, limit=limit, max_depth=max_depth)
