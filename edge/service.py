"""The kit service process: store + sync (+ hardware, when configured), until SIGTERM.

`lockwarden kit run --dir KIT_DIR` runs this under systemd (firmware_config/systemd/lockwarden-kit.service);
`python -m edge.service --dir KIT_DIR` does the same without the CLI (the crash tests use it).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path

from edge.app import make_kit


def run_kit(kit_dir: Path, *, status_every_s: float = 0.0) -> int:
    app = make_kit(kit_dir)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    app.start()
    try:
        while not stop.wait(status_every_s or 3600):
            if status_every_s:
                print(json.dumps(app.sync.status()), flush=True)
    finally:
        app.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="edge.service")
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--status-every", type=float, default=0.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    return run_kit(args.dir, status_every_s=args.status_every)


if __name__ == "__main__":
    sys.exit(main())
