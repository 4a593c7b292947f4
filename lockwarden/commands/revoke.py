"""`lockwarden revoke-kit KIT_ID` and `lockwarden revoke-principal ID`: lock a lost kit or a principal out
(hub.revocation), then reload the broker. Undone only by provisioning the id anew."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lockwarden.commands.hub import DEFAULT_DIR
from protocol.i18n import _

EXIT_REFUSED = 2


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    k = sub.add_parser("revoke-kit", help=_("lock a kit out: key, broker account and certificate revoked"))
    k.add_argument("kit_id")
    k.add_argument("--hub-dir", type=Path, default=Path(DEFAULT_DIR))
    k.set_defaults(func=lambda a: _revoke(a, a.kit_id, "kit"))
    p = sub.add_parser("revoke-principal", help=_("lock an operator console, customer app or police account out"))
    p.add_argument("principal_id")
    p.add_argument("--hub-dir", type=Path, default=Path(DEFAULT_DIR))
    p.set_defaults(func=lambda a: _revoke(a, a.principal_id, None))


def _revoke(args: argparse.Namespace, principal_id: str, role: str | None) -> int:
    from hub.broker.deploy import reload_broker
    from hub.home import HubHome
    from hub.naming import NameRefused, role_label
    from hub.revocation import revoke

    home = HubHome(args.hub_dir)
    try:
        done = revoke(home, principal_id, role=role)
    except NameRefused as exc:
        print(_("refused: {reason}").format(reason=exc), file=sys.stderr)
        return EXIT_REFUSED
    what = role_label(done.role)
    if done.key_revoked:
        print(_("{what} {id}: key revoked; the hub refuses its messages from now on").format(what=what, id=principal_id))
    else:
        print(_("{what} {id}: key was revoked already").format(what=what, id=principal_id))
    if done.account_removed:
        print(_("broker account removed; its ACL now denies it everything, open connections included"))
    for serial in done.certificates:
        print(_("certificate {serial:x} added to the revocation list").format(serial=serial))
    reloaded = reload_broker(home)
    print(reloaded.message, file=sys.stdout if reloaded.ok else sys.stderr)
    return 0
