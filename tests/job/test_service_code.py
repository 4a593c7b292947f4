"""The service code hash shared by the hub (which makes it) and the kit (which checks it)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.service_code import check_code, hash_code, parse


def test_right_code_matches_and_wrong_one_does_not() -> None:
    h = hash_code("482913", n=2**10)
    assert check_code("482913", h) and check_code(" 482 913 ", h)
    assert not check_code("482914", h)
    assert "482913" not in h


def test_salted_so_equal_codes_hash_differently() -> None:
    assert hash_code("000001", n=2**10) != hash_code("000001", n=2**10)


@pytest.mark.parametrize("bad", ["", "bcrypt$1$2$3$4$5", "scrypt$3$8$1$AAAA$00", "scrypt$4194304$8$1$AAAA$00",
                                 "scrypt$1024$8$1$!!$00"])
def test_malformed_hashes_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse(bad)
        check_code("1", bad)


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet="0123456789", min_size=6, max_size=6), st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_only_the_same_code_matches(a: str, b: str) -> None:
    h = hash_code(a, n=2**4)
    assert check_code(b, h) == (a == b)
