"""`lockwarden provision-kit KIT_ID` and `lockwarden provision-operator OP_ID`."""

from __future__ import annotations

import argparse
from pathlib import Path

from lockwarden.commands.hub import DEFAULT_DIR
from protocol.i18n import _


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


def _kit(args: argparse.Namespace) -> int:
    from hub.broker.config import BrokerFiles
    from hub.home import HubHome
    from hub.provisioning import provision_kit

    home = HubHome(args.hub_dir)
    out = provision_kit(home, args.kit_id, args.out or Path("kits") / args.kit_id)
    BrokerFiles(home.broker_dir).reload_signal()
    print(_("Kit {kit} provisioned in {path}; copy that folder to the kit.").format(kit=args.kit_id, path=out))
    return 0


def _principal(args: argparse.Namespace) -> int:
    from hub.broker.config import BrokerFiles
    from hub.home import HubHome
    from hub.provisioning import provision_principal

    home = HubHome(args.hub_dir)
    provision_principal(home, args.principal_id, args.role, args.out)
    BrokerFiles(home.broker_dir).reload_signal()
    print(_("{role} {pid} provisioned; key in {path}").format(role=args.role, pid=args.principal_id, path=args.out))
    return 0
