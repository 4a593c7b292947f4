"""`lockwarden hub init|run|quarantine|status`: the hub service and its inspection tools."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from protocol.i18n import _
from protocol.limits import QUARANTINE_MAX_ENTRIES, QUARANTINE_RAW_PREFIX

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
    init.add_argument("--metrics-port", type=int, default=None,
                      help=_("serve Prometheus /metrics and /healthz on this local port, e.g. 9464"))
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
    st.add_argument("--json", action="store_true",
                    help=_("the operating figures as JSON (the same as the /metrics endpoint)"))
    st.set_defaults(func=_status)
    bk = hs.add_parser("backup", help=_("copy the hub (database online, keys, settings, media) to a folder"))
    bk.add_argument("dest", type=Path, help=_("backup folder (created; an earlier backup there is updated)"))
    bk.add_argument("--dir", type=Path, default=Path(DEFAULT_DIR))
    bk.add_argument("--no-media", action="store_true",
                    help=_("write the media manifest only (the media store is copied by other means)"))
    bk.set_defaults(func=_backup)

    rs = hs.add_parser("restore", help=_("install a backup as a hub directory and check it"))
    rs.add_argument("src", type=Path, help=_("a folder written by `hub backup`"))
    rs.add_argument("--dir", type=Path, default=Path(DEFAULT_DIR))
    rs.add_argument("--media-from", type=Path, default=None,
                    help=_("take media objects from this media store instead of the backup's copy"))
    rs.add_argument("--force", action="store_true",
                    help=_("the hub directory is not empty: move its contents aside, then restore"))
    rs.set_defaults(func=_restore)
    p.set_defaults(func=lambda a: p.print_help() or 2)


def _init(args: argparse.Namespace) -> int:
    from hub.home import init_hub

    home = init_hub(args.dir, broker_port=args.broker_port, broker_host=args.broker_host, tls_port=args.tls_port,
                    metrics_port=args.metrics_port)
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

    return open_hub_db(HubHome(args.dir).database())


def _quarantine(args: argparse.Namespace) -> int:
    from hub.ingest import store
    from hub.metrics.store import ingest_counters

    conn = _db(args)
    if args.show is not None:
        entry = store.quarantine_entry(conn, args.show)
        if entry is None:
            print(_("No quarantine entry {n}").format(n=args.show))
            return 1
        raw = bytes(entry.pop("raw"))
        print(json.dumps(entry, ensure_ascii=False, indent=2))
        print(raw.decode("utf-8", "replace"))
        if entry.get("raw_size") is not None and entry["raw_size"] > len(raw):
            print(_("(the first {kept} of {size} bytes are kept)").format(kept=len(raw), size=entry["raw_size"]))
        return 0
    rows = store.quarantine_latest(conn, args.limit)
    stats = ingest_counters(conn)
    kept = store.quarantine_kept(conn)
    summary = {"kept": kept, "limit": QUARANTINE_MAX_ENTRIES, "dropped_oldest": stats.get("quarantine_dropped", 0),
               "refused_total": stats.get("quarantined", 0), "bytes_kept_each": QUARANTINE_RAW_PREFIX}
    if args.json:
        print(json.dumps({"summary": summary, "entries": [dict(r) for r in rows]}, ensure_ascii=False, indent=2))
        return 0
    print(_("{kept} entries kept (at most {limit}, the first {prefix} bytes of each); {dropped} older entries "
            "dropped; {total} messages refused in all.").format(
        kept=kept, limit=QUARANTINE_MAX_ENTRIES, prefix=QUARANTINE_RAW_PREFIX,
        dropped=summary["dropped_oldest"], total=summary["refused_total"]))
    if not rows:
        print(_("Quarantine is empty."))
    for r in rows:
        print(f"#{r['n']:<5} {r['reason']:<24} {r['sender'] or '-':<12} {r['topic'] or '-'}\n       {r['detail']}")
    return 0


def _status(args: argparse.Namespace) -> int:
    if args.json:
        # The /metrics figures, plus the running service's progress note (loop, last ingest progress,
        # storage, broker link) under "service": null when the hub never ran here.
        from hub.metrics.figures import collect
        from hub.service import PROGRESS_FILE
        from protocol.clock import SystemClock
        from protocol.progress import read_progress

        conn = _db(args)
        doc = collect(conn, SystemClock().now_ms()).as_json()
        doc["service"] = read_progress(Path(args.dir) / PROGRESS_FILE)
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    _print_liveness(args.dir)
    conn = _db(args)
    from hub.ingest.store import stored_per_kit
    from hub.metrics.store import ingest_counters

    print(json.dumps(ingest_counters(conn), indent=2))
    for kit, records, files, size in stored_per_kit(conn):
        print(_("{kit}: {records} records, {files} files ({mb:.1f} MB)").format(
            kit=kit, records=records, files=files, mb=size / 1e6))
    return 0


def _backup(args: argparse.Namespace) -> int:
    import sys

    from hub.backup import BackupError, backup
    from hub.home import HubHome

    try:
        r = backup(HubHome(args.dir), args.dest, media=not args.no_media)
    except BackupError as exc:
        print(_("Backup failed: {reason}").format(reason=exc), file=sys.stderr)
        return 1
    print(_("Backup written to {dest}: database {db_mb:.1f} MB, {n} media objects ({media_mb:.1f} MB, "
            "{copied} copied now)").format(dest=r.dest, db_mb=r.db_bytes / 1e6, n=r.media_objects,
                                            media_mb=r.media_bytes / 1e6, copied=r.media_copied))
    return 0


def _restore(args: argparse.Namespace) -> int:
    import sys

    from hub.backup import BackupError, restore
    from hub.db import open_hub_db
    from hub.home import HubHome
    from hub.ledger.core import check

    try:
        r = restore(args.src, args.dir, media_from=args.media_from, force=args.force)
    except BackupError as exc:
        print(_("Restore refused: {reason}").format(reason=exc), file=sys.stderr)
        return 1
    if r.set_aside is not None:
        print(_("What was in {dir} is kept in {aside}").format(dir=args.dir, aside=r.set_aside))
    conn = open_hub_db(HubHome(args.dir).db_path())  # also brings an older backup's schema up to this release
    problems = check(conn)
    conn.close()
    print(_("Restored {dir}: {n} media objects installed and verified").format(dir=args.dir, n=r.media_restored))
    for sha in r.media_missing:
        print(_("Media object missing from the backup: {sha}").format(sha=sha), file=sys.stderr)
    for sha in r.media_corrupt:
        print(_("Media object does not match its SHA-256, not installed: {sha}").format(sha=sha), file=sys.stderr)
    for problem in problems:
        print(_("Ledger check: {problem}").format(problem=problem), file=sys.stderr)
    if problems or not r.complete:
        return 1
    print(_("Ledger check: balanced. Next: `lockwarden broker --render-only --hub-dir {dir}`, then start the "
            "broker and the hub.").format(dir=args.dir))
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
