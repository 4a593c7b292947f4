"""A kit that produces while it syncs, for the fault runs: the real kit store and sync engine (`make_kit`,
as `lockwarden kit run` builds them), adding a signed record every `--every-ms` and a file every
`--file-every` records. Each record carries a random token and a check of it, so the run can count, at
the hub, every capture lost, stored twice or altered.

    python -m tests.faults.chaos_kit --dir KIT_DIR
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import signal
import sys
import threading
from pathlib import Path

RECORD_KIND = "gnss.position"  # the hub stores it as evidence and only moves the kit's pin
FILE_KIND = "photo.lock_before"


def check_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chaos_kit")
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--every-ms", type=int, default=100)
    parser.add_argument("--file-every", type=int, default=15)
    parser.add_argument("--file-bytes", type=int, default=300_000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    from edge.app import make_kit
    from edge.store.errors import StoreError

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # produce=0 in the environment: sync only (the run's final drain)
    produce = os.environ.get("CHAOS_PRODUCE", "1") == "1"
    kit = make_kit(args.dir)
    kit.start()
    i = 0
    try:
        while not stop.wait(args.every_ms / 1000):
            if not produce:
                continue
            token = os.urandom(8).hex()
            try:
                kit.store.add_record(RECORD_KIND, {"lat": 39.9, "lon": 116.4, "token": token, "check": check_of(token)})
                if i % args.file_every == 0:
                    kit.store.add_file(kind=FILE_KIND, content_type="image/jpeg", data=os.urandom(args.file_bytes))
            except StoreError as exc:
                print(f"refused: {exc}", file=sys.stderr, flush=True)
            i += 1
    finally:
        kit.sync.stop()
        kit.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
