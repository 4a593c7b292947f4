"""protocol/canonical.py takes msgspec's sorted output as is when a cheap scan says it is already RFC 8785;
the scan must never let a difference through. Checked against the full walk on random JSON values."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import canonical as c

keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
scalars = (st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
           | st.floats(allow_nan=False, allow_infinity=False) | keys)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                      max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(values)
def test_fast_path_equals_the_full_walk(value) -> None:  # type: ignore[no-untyped-def]
    assert c.canonical(value) == c._encoder.encode(c._prepare(value))


@settings(max_examples=200, deadline=None)
@given(values)
def test_canonical_bytes_read_back_to_the_same_value(value) -> None:  # type: ignore[no-untyped-def]
    # JCS changes the form of numbers, never their value as a double (-0.0 reads back as 0, and 4.47e16 as
    # the integer 44732319593700860, which is the same double).
    def norm(v):  # type: ignore[no-untyped-def]
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return v
        if isinstance(v, int | float):
            return float(v)
        if isinstance(v, list):
            return [norm(x) for x in v]
        return {k: norm(x) for k, x in v.items()}

    assert norm(json.loads(c.canonical(value))) == norm(value)
