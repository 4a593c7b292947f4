"""`lockwarden customer-web --hub-dir DIR`: the customers' mobile web app on the hub host."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from protocol.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("customer-web", help=_("the customers' mobile web app (SMS login, requests, payment)"))
    p.add_argument("--hub-dir", type=Path, required=True, help=_("the hub directory (the gateway runs beside the hub)"))
    p.add_argument("--config", type=Path, default=None, help=_("web.toml with the app's settings"))
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import msgspec

    from hub.home import HubHome
    from lockwarden.customer_web import server
    from lockwarden.customer_web.settings import WebSettings
    from protocol.settings import SettingsError, load_settings

    try:
        settings = load_settings(args.config, WebSettings) if args.config else WebSettings()
    except SettingsError as exc:
        print(f"customer-web: {exc}", file=sys.stderr)
        return 2
    settings = msgspec.structs.replace(settings, host=args.host or settings.host, port=args.port or settings.port)
    home = HubHome(args.hub_dir)
    web = server.build(home, settings, pay_origin=pay_origin(home))
    running = server.start(web, host=settings.host, port=settings.port)
    print(_("customer web app: {url}").format(url=running.url), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_a: stop.set())
    signal.signal(signal.SIGINT, lambda *_a: stop.set())
    stop.wait()
    running.stop()
    return 0


def pay_origin(home: object) -> str:
    """Where the hub's payment pages are (the browser is sent there to pay): `[payments] public_url`, else the
    webhook's own address when hub.toml fixes its port ("" when the port is picked at start: unknown here)."""
    p = home.settings().payments  # type: ignore[attr-defined]
    if p.public_url:
        return str(p.public_url).rstrip("/")
    return f"http://{p.webhook_host}:{p.webhook_port}" if p.webhook_port else ""
