"""The shipped police export unit takes its broker account from the police bundle: no password in argv
(readable by every user through /proc), and a command line `lockwarden` really accepts.
(tests/broker/test_bundle.py runs `police-export --bundle` end to end over TLS.)"""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

from lockwarden.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


def test_police_export_unit_reads_its_account_from_the_bundle() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(ROOT / "firmware_config" / "systemd" / "lockwarden-police-export.service")
    argv = shlex.split(unit["Service"]["ExecStart"])
    assert argv[0].endswith("/lockwarden") and argv[1] == "police-export"
    assert not {"--password", "--password-file", "--username", "--host", "--port"} & set(argv), argv
    assert "EnvironmentFile" not in unit["Service"] and "$" not in unit["Service"]["ExecStart"]
    args = build_parser().parse_args(argv[1:])
    assert args.bundle == Path("/etc/lockwarden/police") and args.password is None
    assert args.acked is not None and not str(args.acked).startswith(str(args.out))  # kept outside the export
