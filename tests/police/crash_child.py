"""Run by test_crash.py in a subprocess: append messages and report each durable acknowledgement."""

from __future__ import annotations

import sys
from pathlib import Path

import protocol.messages  # noqa: F401
from hub.police.writer import AppendStatus, ExportWriter
from protocol.clock import FakeClock
from protocol.keys import load_verify_key


def main() -> None:
    root, key_text, msgs_path, batch = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    msgs = [bytes.fromhex(line) for line in msgs_path.read_text().split()]
    writer = ExportWriter(root, load_verify_key(key_text), clock=FakeClock())
    for i in range(0, len(msgs), batch):
        for res in writer.append_many(msgs[i:i + batch]):
            if res.status in (AppendStatus.APPENDED, AppendStatus.DUPLICATE):
                # Only now would the MQTT adapter acknowledge.
                sys.stdout.write(f"acked {res.seq}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
