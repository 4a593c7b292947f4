"""`lockwarden broker`: render the shipped Mosquitto config for this hub and run Mosquitto on it."""

from __future__ import annotations

import argparse
from pathlib import Path

from lockwarden.commands.hub import DEFAULT_DIR
from protocol.i18n import _


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("broker", help=_("render the broker configuration (and run Mosquitto on it)"))
    p.add_argument("--hub-dir", type=Path, default=Path(DEFAULT_DIR))
    p.add_argument("--render-only", action="store_true")
    p.set_defaults(func=_broker)


def _broker(args: argparse.Namespace) -> int:
    import os

    from hub.broker.config import BrokerFiles
    from hub.broker.process import mosquitto_binary
    from hub.home import HubHome, tls_listener

    home = HubHome(args.hub_dir)
    s = home.settings()
    files = BrokerFiles(home.broker_dir)
    conf = files.render(port=s.broker.port, bind="127.0.0.1", tls=tls_listener(home))
    print(_("Broker configuration: {path}").format(path=conf))
    if args.render_only:
        return 0
    binary = mosquitto_binary()
    if binary is None:
        print(_("mosquitto is not installed (Debian package `mosquitto`)."))
        return 1
    os.execv(binary, [binary, "-c", str(conf)])
    return 0
