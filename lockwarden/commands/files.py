"""`lockwarden files [NAME]`: the files the package ships for the machine (units, broker, kit config).

They are package data (firmware_config), so an installation from the wheel has them without a checkout;
install.md copies the systemd units and kit files with `lockwarden files NAME | sudo tee DEST`.
"""

from __future__ import annotations

import argparse
import sys

from protocol.i18n import _


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("files", help=_("list the shipped system files (systemd units, broker, kit) or print one"))
    p.add_argument("name", nargs="?", help=_("a file as listed, e.g. systemd/lockwarden-hub.service"))
    p.set_defaults(func=_files)


def _files(args: argparse.Namespace) -> int:
    from firmware_config import resource, shipped

    names = shipped()
    if args.name is None:
        print("\n".join(names))
        return 0
    if args.name not in names:
        print(_("No shipped file {name}; `lockwarden files` lists them.").format(name=args.name), file=sys.stderr)
        return 2
    sys.stdout.write(resource(*args.name.split("/")).read_text(encoding="utf-8"))
    return 0
