"""`lockwarden police-export`, `police-verify`, `police-query`: the police side of R-14."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import signal
import threading
from pathlib import Path
from typing import Any

from protocol.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("police-export", help=_("subscribe to the hub's police topics and write the export"))
    p.add_argument("--out", required=True, type=Path, help=_("export directory"))
    p.add_argument("--hub-key", required=True, type=Path, help=_("file with the hub's public signing key (base64)"))
    p.add_argument("--police-key", required=True, type=Path,
                   help=_("the export's own signing key for acknowledgements (created if missing)"))
    p.add_argument("--hub-id", default="hub", help=_("the hub's signed sender name (hub.toml hub_id)"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=1883)
    p.add_argument("--client-id", default="police-export")
    p.add_argument("--username")
    p.add_argument("--password", help=_("broker password (prefer --password-file: argv is visible to every user)"))
    p.add_argument("--password-file", type=Path,
                   help=_("file holding the broker password (provision-principal writes KEYS/ID.broker_password)"))
    p.add_argument("--tls-ca")
    p.add_argument("--notifier", default="log", help="log | command:ARGV | webhook:URL | mqtt[:lw/v1/police/cases/...]")
    p.set_defaults(func=cmd_export)

    v = sub.add_parser("police-verify", help=_("check a police export offline"))
    v.add_argument("dir", type=Path)
    v.add_argument("--hub-key", type=Path, help=_("file with the hub's public signing key (base64)"))
    v.add_argument("--all-signatures", action="store_true", help=_("also check the hub signature of every entry"))
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_verify)

    q = sub.add_parser("police-query", help=_("search a police export"))
    q.add_argument("dir", type=Path)
    for name, text in (("id-number", _("resident ID number")), ("name", _("name (prefix)")),
                       ("phone", _("phone")), ("address", _("address (prefix)")), ("area", _("area")),
                       ("locksmith", _("locksmith id")), ("unit", _("unit id")), ("kit", _("kit id")),
                       ("order", _("order id")), ("kind", _("record kind"))):
        q.add_argument(f"--{name}", help=text)
    q.add_argument("--since", help=_("from this time (ISO 8601; local time if no zone)"))
    q.add_argument("--until", help=_("before this time (ISO 8601; local time if no zone)"))
    q.add_argument("--limit", type=int, default=200)
    q.add_argument("--json", action="store_true")
    q.add_argument("--csv", type=Path, help=_("also write the whole export as CSV to this file"))
    q.set_defaults(func=cmd_query)


def _ms(text: str | None) -> int | None:
    if not text:
        return None
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.astimezone()
    return int(value.timestamp() * 1000)


def _password(args: argparse.Namespace) -> str | None:
    if args.password_file:
        return str(args.password_file.read_text().strip())
    return args.password  # type: ignore[no-any-return]


def _hub_key(path: Path | None):  # type: ignore[no-untyped-def]
    from protocol.keys import load_verify_key

    return load_verify_key(path.read_text()) if path else None


def cmd_verify(args: argparse.Namespace) -> int:
    from hub.police.verify import verify_export

    rep = verify_export(args.dir, _hub_key(args.hub_key), all_signatures=args.all_signatures)
    if args.json:
        print(json.dumps({"ok": rep.ok, "entries": rep.entries, "head_seq": rep.head_seq,
                          "checkpoint_seq": rep.checkpoint_seq, "media_checked": rep.media_checked,
                          "problems": [p.__dict__ for p in rep.problems], "warnings": rep.warnings},
                         ensure_ascii=False, indent=1))
    else:
        for w in rep.warnings:
            print(_("warning: ") + w)
        for p in rep.problems:
            print(_("PROBLEM: ") + p.message)
        print((_("OK") if rep.ok else _("FAILED")) + ": " + _(
            "{entries} entries in {files} files, head seq {seq}, hub checkpoint at seq {cp}, {media} media files checked"
        ).format(entries=rep.entries, files=rep.files, seq=rep.head_seq, cp=rep.checkpoint_seq, media=rep.media_checked))
        if rep.entries:
            from hub.police.summary import summarise

            s = summarise(args.dir)
            print(_("{orders} orders, {done} completed ({evidence} with evidence media), {cases} cases, warnings: {warn}")
                  .format(orders=s.orders, done=s.completed_orders, evidence=s.completed_with_evidence, cases=s.cases,
                          warn=", ".join(f"{k} {v}" for k, v in sorted(s.warnings.items())) or "-"))
    return 0 if rep.ok else 1


def cmd_query(args: argparse.Namespace) -> int:
    from hub.police.query import Query, open_view, run_query
    from hub.police.views import iso, write_csv

    conn = open_view(args.dir)
    q = Query(resident_id=args.id_number, name=args.name, phone=args.phone, address=args.address, area=args.area,
              locksmith=args.locksmith, unit=args.unit, kit=args.kit, order=args.order, kind=args.kind,
              since_ms=_ms(args.since), until_ms=_ms(args.until), limit=args.limit)
    hits = run_query(conn, q)
    if args.csv:
        write_csv(args.dir, args.csv)
    if args.json:
        print(json.dumps([h.__dict__ for h in hits], ensure_ascii=False, indent=1))
    else:
        for h in hits:
            print(f"{h.seq:>8}  {iso(h.created_ms)}  {h.kind:<24} {h.entity_id:<28} {h.file}:{h.line}  "
                  + json.dumps(h.data, ensure_ascii=False)[:160])
        print(_("{n} entries").format(n=len(hits)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from hub.police.cases import CaseDesk
    from hub.police.mqtt_adapter import PoliceExportAdapter, PoliceLink
    from hub.police.notifiers import notifier_from_spec
    from hub.police.service import ExportService
    from hub.police.views import write_csv
    from hub.police.writer import ExportWriter
    from protocol.clock import SystemClock
    from protocol.keys import SigningKey, write_private

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    import protocol.messages  # noqa: F401  (registers the message types)

    if not args.police_key.exists():
        write_private(args.police_key, SigningKey.generate().to_b64())
    police_key = SigningKey.from_b64(args.police_key.read_text())
    clock = SystemClock()
    writer = ExportWriter(args.out, _hub_key(args.hub_key), clock=clock, hub_sender=args.hub_id)
    adapter = PoliceExportAdapter(PoliceLink(host=args.host, port=args.port, client_id=args.client_id,
                                             username=args.username, password=_password(args), tls_ca=args.tls_ca))
    desk = CaseDesk(args.out, writer.index, notifier_from_spec(args.notifier, adapter.publish_confirmed), clock)
    desk.scan()  # catch up cases after a crash
    service = ExportService(writer, ack_key=police_key, clock=clock, publish=adapter.publish, cases=desk)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_a: stop.set())
    signal.signal(signal.SIGINT, lambda *_a: stop.set())
    adapter.start(service)
    print(_("police export writing to {dir}; police key {key}").format(dir=args.out, key=police_key.public_b64()),
          flush=True)
    stop.wait()
    adapter.stop()
    desk.close()
    writer.close()
    write_csv(args.out)
    return 0


def main(argv: list[str] | None = None) -> int:
    """The police commands alone (`python -m lockwarden.commands.police ...`), e.g. on a police machine
    that runs nothing else, without importing every other subcommand."""
    from protocol.i18n import set_language

    parser = argparse.ArgumentParser(prog="lockwarden-police")
    parser.add_argument("--lang")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    set_language(args.lang)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    import sys

    sys.exit(main())
