"""`lockwarden kit-ui --dir KIT_DIR`: the locksmith's Textual app, attached to the running kit service.

The kit service (`lockwarden kit run`, firmware_config/systemd/lockwarden-kit.service) owns the store, the
sync with the hub and the hardware; this app only talks to it over the kit link (edge/kitlink: a unix
socket in the kit directory), so it never opens an MQTT session or a serial port and may be started, stopped
or run twice (a browser tab of the kiosk each) without disturbing the kit. On the touchscreen it is served to
Chromium by textual-serve (docs/kit-ui.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from protocol.i18n import _

DEFAULT_KIT_DIR = os.environ.get("LOCKWARDEN_KIT_DIR", "/var/lib/lockwarden/kit")
EXIT_NO_SERVICE = 2


def register(sub: Any) -> None:
    p = sub.add_parser("kit-ui", help=_("The locksmith's touchscreen app, attached to the running kit service"))
    p.add_argument("--dir", type=Path, default=Path(DEFAULT_KIT_DIR),
                   help=_("kit directory with kit.toml and job.toml (LOCKWARDEN_KIT_DIR)"))
    p.add_argument("--wait", type=float, default=30.0,
                   help=_("seconds to wait for the kit service to answer before giving up"))
    p.add_argument("--serve", action="store_true",
                   help=_("serve the app to a browser (the kiosk's Chromium) instead of this terminal"))
    p.add_argument("--host", default="127.0.0.1", help=_("address to serve on (--serve); keep it local"))
    p.add_argument("--port", type=int, default=8800, help=_("port to serve on (--serve)"))
    p.set_defaults(func=run)


def run(args: Any) -> int:
    if args.serve:
        return serve(args)
    from edge.app import load_kit_settings
    from edge.kitlink.client import KitLinkDown, wait_for_service
    from lockwarden.kit_ui import make_kit_ui
    from protocol.settings import SettingsError

    try:
        settings = load_kit_settings(args.dir)
    except (SettingsError, FileNotFoundError) as exc:
        print(_("Configuration problem: {reason}").format(reason=exc), file=sys.stderr)
        return EXIT_NO_SERVICE
    path = Path(args.dir) / settings.link_socket
    try:
        link = wait_for_service(path, timeout_s=args.wait)
    except KitLinkDown as exc:
        print(_("The kit service is not running on {dir} ({error}); start it: systemctl start "
                "lockwarden-kit").format(dir=args.dir, error=exc), file=sys.stderr)
        return EXIT_NO_SERVICE
    link.start()
    try:
        make_kit_ui(link).run()
    finally:
        link.stop()
    return 0


def serve(args: Any) -> int:
    """textual-serve on localhost: each browser session runs `lockwarden kit-ui` (attached to the service)
    in its own process; our page template loads nothing from the internet (lockwarden/kit_ui/web)."""
    import shlex

    from textual_serve.server import Server

    from protocol.i18n import language

    command = shlex.join([sys.executable, "-m", "lockwarden.cli", "--lang", language(), "kit-ui", "--dir",
                          str(Path(args.dir).resolve()), "--wait", str(args.wait)])
    server = Server(command, host=args.host, port=args.port, title=_("Lockwarden kit"),
                    templates_path=Path(__file__).resolve().parents[1] / "kit_ui" / "web")
    server.serve()
    return 0
