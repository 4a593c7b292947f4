"""`lockwarden broker [run|check]`: render the shipped Mosquitto config for this hub and run Mosquitto on it,
or check the broker's listeners, certificates and accounts."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lockwarden.commands.hub import DEFAULT_DIR
from protocol.i18n import _


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("broker", help=_("render the broker configuration (and run Mosquitto on it), or check it"))
    p.add_argument("action", nargs="?", choices=["run", "check"], default="run",
                   help=_("run (default): render and run Mosquitto; check: listeners, certificates, accounts"))
    p.add_argument("--hub-dir", type=Path, default=Path(DEFAULT_DIR))
    p.add_argument("--render-only", action="store_true")
    p.add_argument("--persistence-dir", type=Path,
                   help=_("Mosquitto's persistence folder (the shipped unit: its StateDirectory); default: "
                          "hub.toml broker.persistence_dir, else the broker folder"))
    p.add_argument("--json", action="store_true", help=_("check: the report as JSON"))
    p.set_defaults(func=_broker)


def _broker(args: argparse.Namespace) -> int:
    import os

    from hub.broker.deploy import render_for
    from hub.broker.process import mosquitto_binary
    from hub.home import HubHome

    home = HubHome(args.hub_dir)
    if args.action == "check":
        return _check(home, args.json)
    conf = render_for(home, persistence_dir=args.persistence_dir)
    print(_("Broker configuration: {path}").format(path=conf))
    if args.render_only:
        return 0
    binary = mosquitto_binary()
    if binary is None:
        print(_("mosquitto is not installed (Debian package `mosquitto`)."))
        return 1
    from hub.broker.config import BrokerFiles
    from hub.broker.process import write_pid

    # exec keeps this pid: provisioning reloads the broker through this note (hub/broker/deploy.py)
    write_pid(BrokerFiles(home.broker_dir), os.getpid())
    os.execv(binary, [binary, "-c", str(conf)])
    return 0


def _check(home, as_json: bool) -> int:  # type: ignore[no-untyped-def]
    from hub.broker.check import check_broker, listener_line

    rep = check_broker(home)
    if as_json:
        print(json.dumps({
            "ok": rep.ok, "problems": rep.problems, "warnings": rep.warnings, "principals": rep.principals,
            "listeners": [{"port": li.port, "bind": li.bind, "tls": li.tls, "client_id_bound": li.client_id_bound,
                           "open": li.open} for li in rep.listeners],
            "certificates": [{"what": w, "not_after": until.isoformat()} for w, until in rep.certificates],
        }, ensure_ascii=False, indent=1))
        return 0 if rep.ok else 1
    print(_("Listeners:"))
    for li in rep.listeners:
        print("  " + listener_line(li))
    if rep.certificates:
        print(_("Certificates:"))
        for what, until in rep.certificates:
            print("  " + _("{what}: valid until {date}").format(what=what, date=until.date().isoformat()))
    print(_("Principals with broker access: {n}").format(n=rep.principals))
    for w in rep.warnings:
        print(_("warning: {text}").format(text=w))
    for p in rep.problems:
        print(_("problem: {text}").format(text=p))
    print(_("Broker check: {result}").format(result=_("sound") if rep.ok else _("{n} problems").format(
        n=len(rep.problems))))
    return 0 if rep.ok else 1
