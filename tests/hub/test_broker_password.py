"""Broker passwords survive being passed on a command line (CI once failed on a token_urlsafe starting with '-')."""

from __future__ import annotations

import argparse

from hub.broker.config import new_password


def test_generated_passwords_parse_as_option_values():
    parser = argparse.ArgumentParser()
    parser.add_argument("--password")
    for _ in range(5000):
        pw = new_password()
        assert parser.parse_args(["--password", pw]).password == pw
        assert len(pw) >= 32
