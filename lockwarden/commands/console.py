"""`lockwarden console --config operator.toml`: the hub operator's Textual console, over MQTT only."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from protocol.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("console", help=_("the hub operator's console (Textual), over MQTT"))
    p.add_argument("--config", type=Path, required=True,
                   help=_("operator.toml written by provision-principal --role operator"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here so other subcommands never load textual.
    from lockwarden.clients.operator import open_ops_client
    from lockwarden.console.app import make_console
    try:
        client = open_ops_client(args.config)
    except (OSError, TimeoutError, ValueError) as exc:
        # a broker that does not answer: say so, no traceback (a bad operator.toml is a SettingsError: the
        # CLI says it in one line with exit code 2)
        print(_("cannot connect the console: {error}").format(error=exc), file=sys.stderr)
        return 1
    try:
        make_console(client).run()
    finally:
        client.stop()
    return 0
