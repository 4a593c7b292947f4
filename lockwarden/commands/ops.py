"""`lockwarden ops OP --field value ...`: every operator action of protocol/messages/ops.py.

Each op in `OPS` becomes a subcommand whose options are the fields of its argument body (nested bodies
and lists take JSON). With `--db` the request runs directly against a local hub database (the hub
host's own console; file permissions are the access control) under `--actor`. `lockwarden ops
bootstrap` registers the first operator of an empty hub.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from protocol.clock import SystemClock
from protocol.i18n import _
from protocol.ids import new_id
from protocol.messages.ops import OPS

_SCALARS: dict[Any, Any] = {int: int, float: float, str: str, "int": int, "float": float, "str": str}


def _option(field: msgspec.structs.FieldInfo) -> str:
    return "--" + field.name.replace("_", "-")


def _add_fields(parser: argparse.ArgumentParser, body: type[msgspec.Struct]) -> None:
    for f in msgspec.structs.fields(body):
        required = f.required
        if f.type is bool:
            parser.add_argument(_option(f), dest=f.name, action=argparse.BooleanOptionalAction,
                                default=None if required else f.default)
            continue
        kind = _SCALARS.get(f.type)
        help_text = None if kind else _("JSON value")
        parser.add_argument(_option(f), dest=f.name, required=required, help=help_text,
                            type=kind or json.loads)


def register(sub: Any) -> None:
    p = sub.add_parser("ops", help=_("operator actions: registry, orders, escrow, settings"))
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, help=_("the hub database file, or the hub directory whose hub.toml names"
                                                 " the database (local use on the hub host)"))
    where.add_argument("--config", type=Path,
                       help=_("operator.toml written by provision-principal: send the request over MQTT"))
    p.add_argument("--actor", default="", help=_("operator id recorded on every change"))
    p.add_argument("--txn", default="", help=_("transaction id (a retry with the same id is not applied twice)"))
    ops = p.add_subparsers(dest="op", metavar="OP", required=True)
    boot = ops.add_parser("bootstrap", help=_("register the first operator of an empty hub"))
    boot.add_argument("--id", required=True)
    boot.add_argument("--name", required=True)
    boot.set_defaults(func=cmd_bootstrap)
    fire = ops.add_parser("fire-timers", help=_("fire every timer that is due now"))
    fire.set_defaults(func=cmd_fire)
    outbox = ops.add_parser("outbox", help=_("show messages waiting for the transport"))
    outbox.set_defaults(func=cmd_outbox)
    up = ops.add_parser("upload", help=_("send images to the hub and print their SHA-256 (filings, hotline ID cards)"))
    up.add_argument("--kind", choices=("registry", "identity"), required=True,
                    help=_("registry: a unit's or locksmith's filing images; identity: ID cards a request names"))
    up.add_argument("files", type=Path, nargs="+")
    up.set_defaults(func=cmd_upload)
    for name, (body, summary) in OPS.items():
        op = ops.add_parser(name, help=_(summary))
        _add_fields(op, body)
        if name == "documents.submit":
            op.add_argument("--photo", type=Path, action="append", default=[],
                            help=_("a scanned document photo (JPEG or PNG) to send first; repeat for each page"))
            for action in op._actions:
                if action.dest == "media":
                    action.required = False
        if name == "registry.import":
            op.add_argument("--file", type=Path, help=_("read csv_text from this file"))
            for action in op._actions:
                if action.dest == "csv_text":
                    action.required = False
        op.set_defaults(func=cmd_op, body=body)


def _open(args: argparse.Namespace) -> Any:
    from hub.db import open_hub_db

    if args.db is None:
        raise SystemExit(_("this action runs on the hub host: give --db"))
    return open_hub_db(_database(args.db))


def _database(db: Path) -> Any:
    """A hub directory stands for the database its hub.toml names (SQLite or PostgreSQL)."""
    from hub.home import HubHome

    return HubHome(db).database() if db.is_dir() else db


def cmd_op(args: argparse.Namespace) -> int:
    from hub.ops import handle

    if not args.actor and args.config is None:
        print(_("--actor is required with --db"), file=sys.stderr)
        return 2
    body: dict[str, Any] = {}
    for f in msgspec.structs.fields(args.body):
        value = getattr(args, f.name, None)
        if value is not None:
            body[f.name] = value
    if args.op == "registry.import" and getattr(args, "file", None):
        body["csv_text"] = args.file.read_text(encoding="utf-8")
    clock = SystemClock()
    photos = [path.read_bytes() for path in getattr(args, "photo", None) or []]
    if args.op == "documents.submit" and not photos and not body.get("media"):
        print(_("give --photo (or --media with the SHA-256 of photos already at the hub)"), file=sys.stderr)
        return 2
    if args.config is not None:
        from lockwarden.clients.operator import open_ops_client
        from lockwarden.clients.upload import UploadRefused

        client = open_ops_client(args.config)
        try:
            try:
                if photos:
                    body["media"] = list(body.get("media") or []) + [client.upload_document(p, body["order_id"])
                                                                      for p in photos]
            except UploadRefused as exc:
                print(_("the hub refused the photo: {detail}").format(detail=exc.detail), file=sys.stderr)
                return 1
            response = client.call(args.op, body, txn=args.txn or None)
        finally:
            client.stop()
    else:
        conn = _open(args)
        if photos:
            scans = _store_scans(conn, clock, args, body["order_id"], photos)
            if scans is None:
                return 1
            body["media"] = list(body.get("media") or []) + scans
        response = handle(conn, clock, args.actor, args.op, body, txn=args.txn or new_id(clock.now_ms()))
    if response.get("ok") and args.op == "registry.export":
        sys.stdout.write(response["result"]["csv"])
        return 0
    print(json.dumps(response, ensure_ascii=False, indent=2))
    return 0 if response.get("ok") else 1


def _store_scans(conn: Any, clock: SystemClock, args: argparse.Namespace, order_id: str | None,
                 photos: list[bytes], kind: str = "document") -> list[str] | None:
    """On the hub host: the photos go straight into the hub's media store, under the same rules."""
    from hub.documents.scans import store_scan
    from hub.home import HubHome
    from hub.ingest.mediastore import MediaStore
    from hub.registry.errors import DomainError

    home = HubHome(Path(args.db) if Path(args.db).is_dir() else Path(args.db).resolve().parent)
    if not home.settings_file.exists():
        print(_("--photo with --db needs the database inside its hub directory (beside hub.toml)"), file=sys.stderr)
        return None
    media = MediaStore(home.media_path())
    try:
        return [store_scan(conn, media, clock, p, sender=args.actor, order_id=order_id, kind=kind) for p in photos]
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return None


def cmd_upload(args: argparse.Namespace) -> int:
    photos = [path.read_bytes() for path in args.files]
    if args.config is not None:
        from lockwarden.clients.operator import open_ops_client
        from lockwarden.clients.upload import UploadRefused

        client = open_ops_client(args.config)
        shas = []
        try:
            for path, data in zip(args.files, photos, strict=True):
                try:
                    shas.append(client.upload(data, kind=args.kind))
                except UploadRefused as exc:
                    print(_("the hub refused {file}: {detail}").format(file=path, detail=exc.detail), file=sys.stderr)
                    return 1
        finally:
            client.stop()
    else:
        if not args.actor:
            print(_("--actor is required with --db"), file=sys.stderr)
            return 2
        stored = _store_scans(_open(args), SystemClock(), args, None, photos, kind=args.kind)
        if stored is None:
            return 1
        shas = stored
    for path, sha in zip(args.files, shas, strict=True):
        print(f"{sha}  {path}")
    return 0


def cmd_bootstrap(args: argparse.Namespace) -> int:
    from hub.ops import handle

    clock = SystemClock()
    response = handle(_open(args), clock, f"operator:{args.id}", "operator.add", {"id": args.id, "name": args.name},
                      txn=args.txn or new_id(clock.now_ms()), bootstrap=True)
    print(json.dumps(response, ensure_ascii=False, indent=2))
    return 0 if response.get("ok") else 1


def cmd_fire(args: argparse.Namespace) -> int:
    from hub.domain import TIMER_HANDLERS
    from hub.timers import fire_due, next_due_ms

    conn = _open(args)
    fired = fire_due(conn, SystemClock(), TIMER_HANDLERS)
    print(json.dumps({"fired": fired, "next_due_ms": next_due_ms(conn)}))
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    from hub.orders.outbox import pending

    for m in pending(_open(args)):
        print(json.dumps({"seq": m.seq, "audience": m.audience, "recipient": m.recipient, "type": m.type,
                          "body": m.body}, ensure_ascii=False))
    return 0
