"""`lockwarden sandbox [--dir DIR]`: a live city on this machine until Ctrl+C (docs/sandbox.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from protocol.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("sandbox", help=_("a live city on this machine (broker, hub, police export, kits on "
                                         "emulators, customers) until Ctrl+C"))
    p.add_argument("--dir", type=Path, default=Path("lockwarden-sandbox"),
                   help=_("the sandbox's folder: created on first use, reopened with everything in it after"))
    p.add_argument("--kits", type=int, default=3, choices=[1, 2, 3], help=_("kits (and locksmiths) in a new city"))
    p.add_argument("--customer-every", type=float, default=120.0, metavar="SECONDS",
                   help=_("a simulated customer arrives this often (0: none)"))
    p.add_argument("--customers", type=int, default=0, metavar="N",
                   help=_("stop after N simulated customers (0: no end)"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lockwarden.sandbox.run import run_sandbox

    return run_sandbox(args.dir, kits=args.kits, customer_every_s=args.customer_every, customers=args.customers)
