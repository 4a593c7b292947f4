"""`lockwarden provision-kit KIT_ID` and `lockwarden provision-principal ID --role ROLE`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lockwarden.commands.hub import DEFAULT_DIR
from protocol.i18n import _

EXIT_REFUSED = 2


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("provision-kit", help=_("create a kit's keys and settings and register it with the hub"))
    p.add_argument("kit_id")
    p.add_argument("--hub-dir", type=Path, default=Path(DEFAULT_DIR))
    p.add_argument("--out", type=Path, help=_("kit directory to write (default: kits/KIT_ID)"))
    p.set_defaults(func=_kit)
    o = sub.add_parser("provision-principal", help=_("keys and a broker account for an operator, customer app or police"))
    o.add_argument("principal_id")
    o.add_argument("--role", choices=["operator", "customer", "police"], required=True)
    o.add_argument("--hub-dir", type=Path, default=Path(DEFAULT_DIR))
    o.add_argument("--out", type=Path, default=Path("principals"))
    o.set_defaults(func=_principal)


def _reload(home) -> None:  # type: ignore[no-untyped-def]
    from hub.broker.deploy import reload_broker

    done = reload_broker(home)
    print(done.message, file=sys.stdout if done.ok else sys.stderr)


def _kit(args: argparse.Namespace) -> int:
    from hub.home import HubHome
    from hub.naming import NameRefused
    from hub.provisioning import provision_kit

    home = HubHome(args.hub_dir)
    try:
        out = provision_kit(home, args.kit_id, args.out or Path("kits") / args.kit_id)
    except NameRefused as exc:
        print(_("refused: {reason}").format(reason=exc), file=sys.stderr)
        return EXIT_REFUSED
    print(_("Kit {kit} provisioned in {path}; copy that folder to the kit.").format(kit=args.kit_id, path=out))
    _reload(home)
    return 0


def _principal(args: argparse.Namespace) -> int:
    from hub.home import HubHome
    from hub.naming import NameRefused
    from hub.provisioning import provision_principal

    home = HubHome(args.hub_dir)
    try:
        provision_principal(home, args.principal_id, args.role, args.out)
    except NameRefused as exc:
        print(_("refused: {reason}").format(reason=exc), file=sys.stderr)
        return EXIT_REFUSED
    from hub.naming import role_label

    print(_("{role} {pid} provisioned; key in {path}").format(role=role_label(args.role), pid=args.principal_id,
                                                              path=args.out))
    _reload(home)
    return 0
