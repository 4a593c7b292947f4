"""`lockwarden kit-ui --dir KIT_DIR`: the locksmith's Textual app on the kit's touchscreen (800x480).

The UI builds the kit service in-process (`edge.service.build_kit_service`) and starts it, so on a kit
with a screen this one process is the kit service (store, sync, hardware, the job) plus its UI; quitting
the UI stops the service. `lockwarden kit run` stays the headless service for a kit without a screen.
Never run both over the same kit directory at once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from protocol.i18n import _

DEFAULT_KIT_DIR = os.environ.get("LOCKWARDEN_KIT_DIR", "/var/lib/lockwarden/kit")


def register(sub: Any) -> None:
    p = sub.add_parser("kit-ui", help=_("The locksmith's touchscreen app on the kit (runs the kit service too)"))
    p.add_argument("--dir", type=Path, default=Path(DEFAULT_KIT_DIR),
                   help=_("kit directory with kit.toml and job.toml (LOCKWARDEN_KIT_DIR)"))
    p.set_defaults(func=run)


def run(args: Any) -> int:
    from edge.service import build_kit_service
    from lockwarden.kit_ui import make_kit_ui

    service = build_kit_service(args.dir)
    service.start()
    try:
        make_kit_ui(service).run()
    finally:
        service.stop()
    return 0
