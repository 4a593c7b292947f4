"""`lockwarden police-export`, `police-verify`, `police-query`: the police side of R-14; `police-decide`: the
police's signed decision on an order's money frozen pending them (R-11 cases, disputes)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from protocol.i18n import _, ngettext
from protocol.labels import HOLD_PURPOSES, HOLD_STATES, ORDER_STATES, WARNING_LEVELS, label, yuan
from protocol.settings import SettingsError, read_config_file


def register(sub: Any) -> None:
    p = sub.add_parser("police-export", help=_("subscribe to the hub's police topics and write the export"))
    p.add_argument("--out", required=True, type=Path, help=_("export directory"))
    p.add_argument("--hub-key", type=Path, help=_("file with the hub's public signing key (base64)"))
    p.add_argument("--police-key", type=Path,
                   help=_("the export's own signing key for acknowledgements (created if missing)"))
    p.add_argument("--hub-id", default="hub", help=_("the hub's signed sender name (hub.toml hub_id)"))
    p.add_argument("--acked", type=Path,
                   help=_("where the police keep their own signed record of what they acknowledged, outside the "
                          "export (default: beside --police-key, NAME.acked.json); police-verify --acked reads it"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=1883)
    p.add_argument("--username", default="police",
                   help=_("broker account (its name is the client id; one connection per account)"))
    p.add_argument("--client-id", help=argparse.SUPPRESS)  # ignored by the broker: the username is the id
    p.add_argument("--password", help=_("broker password (prefer --password-file: argv is visible to every user)"))
    p.add_argument("--password-file", type=Path,
                   help=_("file holding the broker password (provision-principal writes KEYS/ID.broker_password)"))
    p.add_argument("--tls-ca")
    p.add_argument("--bundle", type=Path,
                   help=_("the client bundle provision-principal wrote: broker address, account, certificates "
                          "(instead of --host, --port, --username, --password-file, --tls-ca)"))
    p.add_argument("--notifier", default="log", help="log | command:ARGV | webhook:URL | mqtt[:lw/v1/police/cases/...]")
    p.add_argument("--alert-level", choices=("red", "yellow", "blue"), default="red",
                   help=_("a risk warning rising to this level alerts the duty officer through --notifier"))
    p.set_defaults(func=cmd_export)

    v = sub.add_parser("police-verify", help=_("check a police export offline"),
                       description=_("Exit 0: verified; 1: problems found; 3: not verified (no pinned hub key)."))
    v.add_argument("dir", type=Path)
    v.add_argument("--hub-key", type=Path,
                   help=_("file with the hub's public signing key (base64), as the police pinned it"))
    v.add_argument("--hub-fingerprint",
                   help=_("SHA-256 (hex) of the hub's 32 raw public key bytes, as the police pinned it"))
    v.add_argument("--acked", type=Path,
                   help=_("the police's own acknowledgement record (police-export --acked) to detect a rollback"))
    v.add_argument("--police-key", type=Path, help=_("the police signing key that signed --acked"))
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
    q.add_argument("--person", metavar="ID_NUMBER",
                   help=_("everything about one person: the entries naming this resident ID number, then every "
                          "entry of their orders (and, for a locksmith, of his jobs)"))
    q.add_argument("--officer", help=_("who is asking, written to the export's access log (default: the login name)"))
    q.add_argument("--since", help=_("from this time (ISO 8601; local time if no zone)"))
    q.add_argument("--until", help=_("before this time (ISO 8601; local time if no zone)"))
    q.add_argument("--limit", type=int, default=200)
    q.add_argument("--json", action="store_true")
    q.add_argument("--csv", type=Path, help=_("also write the whole export as CSV to this file"))
    q.set_defaults(func=cmd_query)

    d = sub.add_parser("police-decide", help=_("decide an order's money frozen pending the police (signed, over MQTT)"))
    d.add_argument("--order", required=True, help=_("order id"))
    for purpose, text in (("deposit", _("the frozen deposit: release to the customer or pay to the locksmith")),
                          ("prepayment", _("the frozen prepayment: release to the customer or pay to the locksmith"))):
        d.add_argument(f"--{purpose}", choices=("release", "pay"), help=text)
    d.add_argument("--case", required=True, help=_("the police case reference"))
    d.add_argument("--reason", required=True, help=_("why; kept with the decision and forwarded to the export"))
    d.add_argument("--decision-id", help=_("ask again about an earlier decision whose answer was lost (never applied twice)"))
    d.add_argument("--police-key", type=Path,
                   help=_("the police principal's signing key (provision-principal --role police)"))
    d.add_argument("--police-id", default="police-desk",
                   help=_("the police principal's id at the hub: an account of its own, never the export's "
                          "(one connection per account: it would take over the export's session)"))
    d.add_argument("--hub-key", type=Path, help=_("file with the hub's public signing key (base64)"))
    d.add_argument("--hub-id", default="hub", help=_("the hub's signed sender name (hub.toml hub_id)"))
    d.add_argument("--host", default="127.0.0.1")
    d.add_argument("--port", type=int, default=1883)
    d.add_argument("--username", help=_("broker user (default: the police id)"))
    d.add_argument("--password", help=_("broker password (prefer --password-file: argv is visible to every user)"))
    d.add_argument("--password-file", type=Path,
                   help=_("file holding the broker password (provision-principal writes KEYS/ID.broker_password)"))
    d.add_argument("--tls-ca")
    d.add_argument("--bundle", type=Path,
                   help=_("the client bundle provision-principal wrote: broker address, account, certificates "
                          "(instead of --host, --port, --username, --password-file, --tls-ca)"))
    d.add_argument("--timeout", type=float, default=30.0, help=_("seconds to wait for the hub's answer"))
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=cmd_decide)


def _ms(text: str | None) -> int | None:
    if not text:
        return None
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.astimezone()
    return int(value.timestamp() * 1000)


def _password(args: argparse.Namespace) -> str | None:
    if args.password_file:
        try:
            return str(args.password_file.read_text().strip())
        except OSError as exc:
            raise SettingsError(f"--password-file {args.password_file}: {exc}") from exc
    return args.password  # type: ignore[no-any-return]


def _keys_from_bundle(args: argparse.Namespace) -> str | None:
    """Fill --police-key, --hub-key and --hub-id from --bundle where not given; the missing one's name, if any."""
    if args.bundle:
        from lockwarden.clients.bundle import load_bundle

        bundle = load_bundle(args.bundle)
        args.police_key = args.police_key or args.bundle / bundle.key_file
        args.hub_key = args.hub_key or args.bundle / bundle.hub_verify_key_file
        args.hub_id = bundle.hub_id
    for name in ("police_key", "hub_key"):
        if getattr(args, name) is None:
            return "--" + name.replace("_", "-")
    return None


def _hub_key(path: Path | None):  # type: ignore[no-untyped-def]
    """The hub's pinned key; a missing or malformed file is a configuration error (one line, exit 2)."""
    from protocol.keys import load_verify_key

    if not path:
        return None
    try:
        return load_verify_key(path.read_text())
    except (OSError, ValueError) as exc:
        raise SettingsError(f"--hub-key {path}: {exc}") from exc


NOT_VERIFIED = 3  # police-verify: no pinned key, so no judgement (never "ok")


def cmd_verify(args: argparse.Namespace) -> int:
    from hub.police import acked as acked_record
    from hub.police.manifest import manifest_hub_key
    from hub.police.trust import UntrustedKey, pinned_from_file, pinned_from_fingerprint
    from hub.police.verify import verify_export
    from hub.police.verify_report import Problem, VerifyReport

    rep: VerifyReport | None = None
    pinned = None
    try:
        if args.hub_key:
            pinned = pinned_from_file(args.hub_key)
        elif args.hub_fingerprint:
            pinned = pinned_from_fingerprint(args.hub_fingerprint, manifest_hub_key(args.dir))
    except UntrustedKey as exc:
        if args.hub_key:
            print(_("police-verify: {error}").format(error=exc), file=sys.stderr)
            return 2
        # The export's key is not the one the police pinned: a re-signed export, or the wrong hub.
        rep = VerifyReport(problems=[Problem("hub_key_mismatch", str(exc))])
    record = None
    if rep is None and args.acked:
        if not args.police_key:
            print(_("police-verify: --acked needs --police-key (the key that signed it)"), file=sys.stderr)
            return 2
        try:
            from protocol.keys import SigningKey

            police_pub = SigningKey.from_b64(args.police_key.read_text()).private.public_key()
            record = acked_record.load(args.acked, police_pub)
        except (OSError, ValueError) as exc:
            rep = VerifyReport(problems=[Problem("acked", _("the acknowledgement record cannot be used: {error}")
                                                 .format(error=exc), str(args.acked))])
    if rep is None:
        if pinned is None:
            rep = VerifyReport()
        else:
            rep = verify_export(args.dir, pinned.key, all_signatures=args.all_signatures, acked=record)
            if record is None:
                rep.warnings.append(_("no acknowledgement record given (--acked): a rollback to an older genuine "
                                      "checkpoint cannot be detected"))
    judged = pinned is not None
    if args.json:
        print(json.dumps({"ok": rep.ok and judged, "verified": judged, "entries": rep.entries,
                          "head_seq": rep.head_seq, "head_hash": rep.head_hash,
                          "checkpoint_seq": rep.checkpoint_seq, "checkpoints": rep.checkpoints,
                          "unconfirmed": rep.unconfirmed, "acked_seq": rep.acked_seq,
                          "media_checked": rep.media_checked, "access_entries": rep.access_entries,
                          "access_head": rep.access_head, "hub_key_fingerprint": pinned.fingerprint if pinned else None,
                          "problems": [p.__dict__ for p in rep.problems], "warnings": rep.warnings},
                         ensure_ascii=False, indent=1))
    if not judged and not rep.problems:
        if not args.json:
            print(_("NOT VERIFIED: no pinned hub key. Give --hub-key FILE (the hub's keys/hub_signing.pub, obtained "
                    "from the hub, not from the export) or --hub-fingerprint SHA256; the key the export names is "
                    "never trusted."))
        return NOT_VERIFIED
    if args.json:
        return 0 if rep.ok else 1
    for w in rep.warnings:
        print(_("warning: ") + w)
    for p in rep.problems:
        print(_("PROBLEM: ") + p.message)
    _print_verdict(args.dir, rep, pinned)
    return 0 if rep.ok else 1


def _print_verdict(root: Path, rep: Any, pinned: Any) -> None:
    """What police-verify found, in words an officer reads; the figures an integrator compares (sequence
    numbers, key fingerprint, hashes) on one line of their own, labelled as technical detail."""
    print(_("OK: the export is whole, every entry as the hub signed it") if rep.ok else
          _("FAILED: the export is not as the hub sent it (see the problems above)"))
    print("  " + ngettext("{n} record in {files} files", "{n} records in {files} files", rep.entries).format(
        n=rep.entries, files=rep.files))
    if rep.checkpoints:
        print("  " + ngettext(
            "the hub confirmed them with {n} signed checkpoint, the last at record No. {cp}",
            "the hub confirmed them with {n} signed checkpoints, the last at record No. {cp}", rep.checkpoints)
            .format(n=rep.checkpoints, cp=rep.checkpoint_seq if rep.checkpoint_seq is not None else "-"))
    else:
        print("  " + _("no signed checkpoint of the hub yet"))
    if rep.unconfirmed:
        print("  " + ngettext("{n} record after the last checkpoint, not yet confirmed by the hub",
                              "{n} records after the last checkpoint, not yet confirmed by the hub",
                              rep.unconfirmed).format(n=rep.unconfirmed))
    print("  " + ngettext("{n} evidence file checked against its hash", "{n} evidence files checked against their hashes",
                          rep.media_checked).format(n=rep.media_checked))
    chain = _("its hash chain broken") if any(p.code.startswith("access_") for p in rep.problems) else \
        _("its hash chain intact")
    if rep.access_entries:
        print("  " + ngettext("access log: {n} search or opening, {chain}", "access log: {n} searches and openings, "
                              "{chain}", rep.access_entries).format(n=rep.access_entries, chain=chain))
    else:
        print("  " + _("access log: nobody has searched or opened anything yet"))
    if rep.acked_seq is not None:
        print("  " + (_("the police acknowledged up to record No. {seq}; the export holds it") if rep.ok
                      else _("the police acknowledged up to record No. {seq}")).format(seq=rep.acked_seq))
    if rep.entries and rep.ok:
        from hub.police.summary import summarise

        s = summarise(root)
        warned = _(", ").join(ngettext("{n} {level} warning", "{n} {level} warnings", n).format(
            n=n, level=label(WARNING_LEVELS, level)) for level, n in sorted(
                s.warnings.items(), key=lambda kv: list(WARNING_LEVELS).index(kv[0]) if kv[0] in WARNING_LEVELS else 9))
        print("  " + _("in the export: {orders}, {done} ({evidence} with evidence), {cases}; {warnings}").format(
            orders=ngettext("{n} order", "{n} orders", s.orders).format(n=s.orders),
            done=ngettext("{n} completed", "{n} completed", s.completed_orders).format(n=s.completed_orders),
            evidence=s.completed_with_evidence, cases=ngettext("{n} case", "{n} cases", s.cases).format(n=s.cases),
            warnings=warned or _("no warnings")))
    detail = [_("head seq {seq}").format(seq=rep.head_seq)]
    if pinned is not None:
        source = {"file": _("pinned by its key file"), "fingerprint": _("pinned by its fingerprint")}.get(
            pinned.source, pinned.source)
        detail.append(_("hub key SHA-256 {fp} ({source})").format(fp=pinned.fingerprint, source=source))
    if rep.access_entries:
        detail.append(_("access log head {head}").format(head=rep.access_head[:16]))
    print("  " + _("technical detail: ") + _("; ").join(detail))


def cmd_query(args: argparse.Namespace) -> int:
    from hub.police import access_log
    from hub.police.query import Query, open_view, run_query
    from hub.police.readable import locksmith_names, row
    from hub.police.views import iso, write_csv
    from protocol.clock import SystemClock

    conn = open_view(args.dir)
    q = Query(resident_id=args.id_number, name=args.name, phone=args.phone, address=args.address, area=args.area,
              locksmith=args.locksmith, unit=args.unit, kit=args.kit, order=args.order, kind=args.kind,
              since_ms=_ms(args.since), until_ms=_ms(args.until), limit=args.limit)
    person = None
    if args.person:
        from hub.police.person import find_person

        person = find_person(conn, args.person, limit=args.limit)
        hits = person.hits
    else:
        hits = run_query(conn, q)
    # the criteria as given; `csv` too, since it copies the whole export out
    what: dict[str, Any] = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
                            if k in _QUERY_FIELDS and v is not None}
    try:
        # logged before anything is shown: an answer nobody can trace back is not given
        access_log.append(args.dir, at_ms=SystemClock().now_ms(), officer=args.officer, action="query", what=what,
                          results=len(hits))
    except access_log.AccessLogError as exc:
        print(_("refused: {error}").format(error=exc), file=sys.stderr)
        return 2
    if args.csv:
        write_csv(args.dir, args.csv)
    via = person.via if person is not None else {}
    if args.json:
        print(json.dumps([h.__dict__ | ({"via": via[h.seq]} if via else {}) for h in hits], ensure_ascii=False,
                         indent=1))
        return 0
    if person is not None:
        print(_("person {id}: {orders}, {filings}, {entries}").format(
            id=person.id_number, orders=ngettext("{n} order", "{n} orders", len(person.orders)).format(
                n=len(person.orders)),
            filings=ngettext("{n} locksmith filing", "{n} locksmith filings", len(person.locksmiths)).format(
                n=len(person.locksmiths)),
            entries=ngettext("{n} entry", "{n} entries", len(hits)).format(n=len(hits))))
    if hits:  # the columns named once: the record's number in the export (for police-open), its time, what
        print(_("record No., time, what it is and about whom"))
    how = {"id_number": _("names the number"), "order": _("of their order"), "locksmith": _("of their jobs")}
    names = locksmith_names(run_query(conn, Query(kind="locksmith.filed", limit=10_000)) + hits)
    for h in hits:
        tag = f"[{how.get(via[h.seq], via[h.seq])}] " if via else ""
        print(f"{h.seq:>8}  {iso(h.created_ms)}  {tag}{row(h, names)}")
    print(ngettext("{n} entry", "{n} entries", len(hits)).format(n=len(hits)))
    if person is not None and person.truncated:
        print(_("more entries than --limit {limit}: raise it to see them all").format(limit=args.limit))
    return 0


_QUERY_FIELDS = ("id_number", "name", "phone", "address", "area", "locksmith", "unit", "kit", "order", "kind",
                 "since", "until", "person", "limit", "csv")


def cmd_export(args: argparse.Namespace) -> int:
    from hub.police.cases import CaseDesk
    from hub.police.mqtt_adapter import PoliceExportAdapter, PoliceLink
    from hub.police.notifiers import notifier_from_spec
    from hub.police.service import ExportService
    from hub.police.views import write_csv
    from hub.police.writer import ExportWriter
    from protocol.clock import SystemClock
    from protocol.keys import SigningKey, write_private
    from protocol.sdnotify import Notifier, waiting_for_storage
    from protocol.storage import is_storage_problem, open_when_writable

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    import protocol.messages  # noqa: F401  (registers the message types)

    missing = _keys_from_bundle(args)
    if missing:
        print(_("{option} is required (or --bundle)").format(option=missing), file=sys.stderr)
        return 2
    if not args.police_key.exists():
        write_private(args.police_key, SigningKey.generate().to_b64())
    try:
        police_key = SigningKey.from_b64(args.police_key.read_text())
    except (OSError, ValueError) as exc:
        raise SettingsError(f"--police-key {args.police_key}: {exc}") from exc
    from hub.police import acked

    acked_path = args.acked or acked.default_path(args.police_key)
    if acked.inside(acked_path, args.out):
        print(_("--acked {path} must be outside the export folder: whoever can edit the export must not be able to "
                "roll this record back with it").format(path=acked_path), file=sys.stderr)
        return 2
    clock = SystemClock()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_a: stop.set())
    signal.signal(signal.SIGINT, lambda *_a: stop.set())
    hub_key = _hub_key(args.hub_key)
    try:
        # On a full disk the export cannot even open its index: wait for space with a clear reason.
        writer = open_when_writable(
            lambda: ExportWriter(args.out, hub_key, clock=clock, hub_sender=args.hub_id),
            "police export: opening the export", logging.getLogger("hub.police"), stop=stop,
            on_wait=waiting_for_storage(Notifier()))
    except Exception:
        if stop.is_set():
            return 0
        raise
    if args.bundle:
        from lockwarden.clients.bundle import bundle_link

        _b, _k, link = bundle_link(args.bundle)
        police_link = PoliceLink(host=link.host, port=link.port, username=link.username, password=link.password,
                                 tls_ca=link.tls_ca, tls_cert=link.tls_cert, tls_key=link.tls_key)
    else:
        police_link = PoliceLink(host=args.host, port=args.port, client_id=args.client_id, username=args.username,
                                 password=_password(args), tls_ca=args.tls_ca)
    adapter = PoliceExportAdapter(police_link)
    desk = open_when_writable(
        lambda: CaseDesk(args.out, writer.index, notifier_from_spec(args.notifier, adapter.publish_confirmed),
                         clock, alert_level=args.alert_level), "police export: opening the case desk", logging.getLogger("hub.police"))
    try:
        desk.scan()  # catch up cases after a crash
    except Exception as exc:
        if not is_storage_problem(exc):
            raise
        logging.getLogger("hub.police").error("police export: catching up cases refused by storage (%s); "
                                              "retried with the next record", exc)
    service = ExportService(writer, ack_key=police_key, clock=clock, publish=adapter.publish, cases=desk,
                            acked_path=acked_path)
    adapter.start(service)
    print(_("police export writing to {dir}; police key {key}; acknowledgement record {acked}").format(
        dir=args.out, key=police_key.public_b64(), acked=acked_path), flush=True)
    stop.wait()
    adapter.stop()
    desk.close()
    writer.close()
    write_csv(args.out)
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    """Sign and send the decision, wait for the hub's answer, print it. Exit 0 applied (now or before),
    1 refused, 2 no answer."""
    import msgspec

    import protocol.messages  # noqa: F401  (registers the message types)
    from lockwarden.commands._police_desk import open_desk
    from protocol.ids import new_id
    from protocol.keys import SigningKey
    from protocol.messages.police import PoliceDecision
    from protocol.transport.paho_mqtt import LinkSettings

    missing = _keys_from_bundle(args)
    if missing:
        print(_("{option} is required (or --bundle)").format(option=missing), file=sys.stderr)
        return 2
    username = args.username or args.police_id
    if args.bundle:
        from lockwarden.clients.bundle import bundle_link

        bundle, _key, link = bundle_link(args.bundle)
        args.police_id = bundle.principal_id
    else:
        link = LinkSettings(host=args.host, port=args.port, client_id=username, username=username,
                            password=_password(args), tls_ca=args.tls_ca)
    try:
        desk = open_desk(args.police_id, read_config_file(args.police_key, "--police-key", SigningKey.from_b64),
                         read_config_file(args.hub_key, "--hub-key", str.strip), link, hub_id=args.hub_id,
                         timeout=args.timeout)
    except TimeoutError as exc:
        print(_("cannot reach the hub: {error}").format(error=exc), file=sys.stderr)
        return 2
    decision_id = args.decision_id or new_id(desk.clock.now_ms())
    body = PoliceDecision(order_id=args.order, case_ref=args.case, reason=args.reason, deposit=args.deposit,
                          prepayment=args.prepayment, decision_id=decision_id)
    try:
        answer = desk.decide(body, timeout=args.timeout)
    except TimeoutError:
        print(_("no answer from the hub within {s} s; ask again with --decision-id {id} (a decision is never "
                "applied twice)").format(s=args.timeout, id=decision_id), file=sys.stderr)
        return 2
    finally:
        desk.stop()
    if args.json:
        print(json.dumps(msgspec.to_builtins(answer), ensure_ascii=False, indent=1))
    else:
        _print_decision(answer)
    return 0 if answer.ok else 1


def _print_decision(answer: Any) -> None:
    if not answer.ok:
        print(_("REFUSED: {error} (the hub's code: {code})").format(code=answer.code, error=answer.error))
        print(_("order {order} stays {state}").format(order=answer.order_id,
                                                      state=label(ORDER_STATES, answer.state) if answer.state
                                                      else _("unknown to the hub")))
        return
    line = _("decision {id} applied: order {order} is {state}") if answer.applied else _(
        "decision {id} was applied before: order {order} is {state}")
    print(line.format(id=answer.decision_id, order=answer.order_id, state=label(ORDER_STATES, answer.state)))
    for h in answer.holds:
        print(_("  {purpose}: {amount} {state}, to {whom}").format(
            purpose=label(HOLD_PURPOSES, h.purpose), amount=yuan(h.amount_fen), state=label(HOLD_STATES, h.state),
            whom=_whom(h.account, h.name)))


def _whom(account: str, name: str) -> str:
    """Who the money went to, by name and role (the hub names them); the ledger account only if neither is known."""
    role = {"customer": _("the customer"), "locksmith": _("the locksmith")}.get(account.partition(":")[0])
    if role is None:
        return account
    return _("{name} ({role})").format(name=name, role=role) if name else role


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
