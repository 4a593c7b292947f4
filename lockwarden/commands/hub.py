"""`lockwarden hub init|run|quarantine|status`: the hub service and its inspection tools."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from protocol.i18n import _

DEFAULT_DIR = os.environ.get("LOCKWARDEN_HUB_DIR", "hub")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("hub", help=_("the hub service and its inspection tools"))
    hs = p.add_subparsers(dest="hub_command", metavar="ACTION")

    init = hs.add_parser("init", help=_("create a hub directory: keys, settings, broker accounts"))
    init.add_argument("--dir", type=Path, default=Path(DEFAULT_DIR))
    init.add_argument("--broker-port", type=int, default=1883)
    init.add_argument("--broker-host", default="127.0.0.1")
    init.add_argument("--tls-port", type=int, default=None,
                      help=_("field listener for kits (TLS with client certificates), e.g. 8883"))
    init.set_defaults(func=_init)

    run = hs.add_parser("run", help=_("run the hub service until stopped"))
    run.add_argument("--dir", type=Path, default=Path(DEFAULT_DIR))
    run.set_defaults(func=_run)

    q = hs.add_parser("quarantine", help=_("list refused messages with their reasons"))
    q.add_argument("--dir", type=Path, default=Path(DEFAULT_DIR))
    q.add_argument("--limit", type=int, default=50)
    q.add_argument("--show", type=int, metavar="N", help=_("print entry N with its raw bytes"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_quarantine)

    st = hs.add_parser("status", help=_("what the hub has received, per kit"))
    st.add_argument("--dir", type=Path, default=Path(DEFAULT_DIR))
    st.set_defaults(func=_status)
    p.set_defaults(func=lambda a: p.print_help() or 2)


def _init(args: argparse.Namespace) -> int:
    from hub.home import init_hub

    home = init_hub(args.dir, broker_port=args.broker_port, broker_host=args.broker_host, tls_port=args.tls_port)
    print(_("Hub directory ready: {path}").format(path=home.dir))
    print(_("Hub signing key (pinned by every kit): {key}").format(key=home.signing_public()))
    return 0


def _run(args: argparse.Namespace) -> int:
    import logging

    from hub.service import run_hub

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return run_hub(args.dir)


def _db(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from hub.db import open_hub_db
    from hub.home import HubHome

    return open_hub_db(HubHome(args.dir).db_path())


def _quarantine(args: argparse.Namespace) -> int:
    conn = _db(args)
    if args.show is not None:
        row = conn.execute("SELECT * FROM quarantine WHERE n=?", (args.show,)).fetchone()
        if row is None:
            print(_("No quarantine entry {n}").format(n=args.show))
            return 1
        entry = dict(row)
        raw = entry.pop("raw")
        print(json.dumps(entry, ensure_ascii=False, indent=2))
        print(raw.decode("utf-8", "replace"))
        return 0
    rows = conn.execute(
        "SELECT n, received_ms, topic, sender, msg_id, reason, detail, length(raw) AS bytes FROM quarantine "
        "ORDER BY n DESC LIMIT ?", (args.limit,)).fetchall()
    if args.json:
        print(json.dumps([dict(r) for r in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(_("Quarantine is empty."))
    for r in rows:
        print(f"#{r['n']:<5} {r['reason']:<24} {r['sender'] or '-':<12} {r['topic'] or '-'}\n       {r['detail']}")
    return 0


def _status(args: argparse.Namespace) -> int:
    _print_liveness(args.dir)
    conn = _db(args)
    stats = {r[0]: r[1] for r in conn.execute("SELECT name, value FROM ingest_stats")}
    print(json.dumps(stats, indent=2))
    for r in conn.execute("SELECT sender, COUNT(*) FROM kit_records GROUP BY sender"):
        files = conn.execute("SELECT COUNT(*), COALESCE(SUM(size),0) FROM media_files WHERE sender=? AND "
                             "status='complete'", (r[0],)).fetchone()
        print(_("{kit}: {records} records, {files} files ({mb:.1f} MB)").format(
            kit=r[0], records=r[1], files=files[0], mb=files[1] / 1e6))
    return 0


def _print_liveness(hub_dir: Path) -> None:
    """From the running hub's progress note (hub/service.py writes it about once a second, also on a full
    disk): is its loop turning, when did ingest last commit a batch, is its storage refusing writes."""
    import time

    from hub.service import PROGRESS_FILE
    from protocol.progress import read_progress

    doc = read_progress(Path(hub_dir) / PROGRESS_FILE)
    if doc is None:
        print(_("Hub service: no progress note (never started here)."))
        return
    now = int(time.time() * 1000)

    def ago(ms: object) -> str:
        if not isinstance(ms, int):
            return _("never")
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000))
        return _("{stamp} ({seconds} s ago)").format(stamp=stamp, seconds=max(0, (now - ms) // 1000))

    print(_("Hub service (pid {pid}): loop last turned {loop}").format(pid=doc.get("pid"), loop=ago(doc.get("loop_ms"))))
    if not _running(doc.get("pid")):
        print(_("That process is not running now; the figures below are from when it last ran."))
    print(_("Ingest last made progress: {when}; {batches} batches since start, {queued} waiting").format(
        when=ago(doc.get("progress_ms")), batches=doc.get("batches", 0), queued=doc.get("queued", 0)))
    if doc.get("storage"):
        print(_("Storage refusing writes: {reason}. New messages stay with the broker and the kits until "
                "space returns.").format(reason=doc["storage"]))
    if not doc.get("connected"):
        print(_("Not connected to the broker."))


def _running(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True
