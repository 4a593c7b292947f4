"""`lockwarden bundle-check DIR`: connect with a client bundle from `provision-principal`, the way the
principal's own software will, and say whether the broker and the hub answer."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from protocol.i18n import _


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("bundle-check", help=_("connect with a client bundle and check that the hub answers"))
    p.add_argument("bundle", type=Path, help=_("the folder provision-principal wrote (with client.toml)"))
    p.add_argument("--local", action="store_true", help=_("use the hub host's loopback listener"))
    p.add_argument("--timeout", type=float, default=15.0)
    p.set_defaults(func=_check)


def _check(args: argparse.Namespace) -> int:
    import protocol.messages  # noqa: F401  (registers the message types)
    from hub.naming import role_label
    from lockwarden.clients.bundle import bundle_link
    from lockwarden.clients.party import Party
    from protocol.settings import SettingsError

    try:
        bundle, key, link = bundle_link(args.bundle, local=args.local)
    except (OSError, SettingsError, ValueError) as exc:
        print(_("not a usable bundle: {error}").format(error=exc), file=sys.stderr)
        return 2
    how = _("TLS with client certificate") if link.tls_cert else _("password")
    print(_("{id} ({role}) connecting to {host}:{port} ({how})").format(
        id=bundle.principal_id, role=role_label(bundle.role), host=link.host, port=link.port, how=how))
    party = Party(bundle.principal_id, key, bundle.hub_verify_key, link, up_topic="", down_topics=[],
                  hub_id=bundle.hub_id)
    try:
        party.start(args.timeout)
    except TimeoutError as exc:
        print(_("no: {error}").format(error=exc), file=sys.stderr)
        return 1
    finally:
        party.stop()
    print(_("connected; the hub {hub} is online and its signature verifies with the pinned key").format(
        hub=bundle.hub_id))
    return 0
