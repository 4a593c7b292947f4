"""`lockwarden kit route`: the route to the site of the current order (R-8), as the Route screen shows it.

It asks the running kit service for the order and one GNSS fix over the kit link, like `kit job arrive`
(the service alone holds the receiver's port). Registered by `_kit_run.py`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from protocol.i18n import _


def register(kit_sub: Any) -> None:
    from lockwarden.commands.kit import DEFAULT_KIT_DIR, _run

    p = kit_sub.add_parser("route", help=_("The route to the site of the current order"))
    p.add_argument("--dir", type=Path, default=Path(DEFAULT_KIT_DIR),
                   help=_("kit directory with kit.toml and job.toml (LOCKWARDEN_KIT_DIR)"))
    p.add_argument("--order", help=_("order number (needed only when several jobs are open)"))
    p.add_argument("--json", action="store_true", help=_("print the route as JSON"))
    p.set_defaults(func=lambda args: _run(args, _route))


def _route(args: argparse.Namespace, flow: Any) -> int:
    from edge.app import load_kit_settings
    from edge.job.route import default_provider, route_to_site
    from lockwarden.commands.kit import EXIT_DEVICE, EXIT_REFUSED
    from lockwarden.kit_ui.model import BEFORE_ARRIVAL
    from lockwarden.kit_ui.routeview import route_json, route_lines

    view = flow.job(args.order)
    order = view.order
    radius = flow.settings.arrival_max_distance_m
    has_site = order.site_lat is not None and order.site_lon is not None
    fix = flow.position() if has_site else None
    route = route_to_site(default_provider(load_kit_settings(args.dir).route, flow.settings), order, fix)
    if args.json:
        print(json.dumps(route_json(order, fix, route, radius), ensure_ascii=False))
    else:
        print(_("Order {order_id}").format(order_id=order.order_id))
        lines = route_lines(order, fix, route, radius, arrival_recorded=view.step not in BEFORE_ARRIVAL)
        for line in lines.lines():
            print(line)
    if not has_site:
        return EXIT_REFUSED
    return 0 if route is not None else EXIT_DEVICE
