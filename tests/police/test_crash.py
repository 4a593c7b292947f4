from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hub.forwarding.sealer import wire
from hub.police import layout
from hub.police.chain import Entry, encode_line, entry_hash
from hub.police.reader import iter_entries
from hub.police.verify import verify_export
from hub.police.writer import AppendStatus

ROOT = Path(__file__).resolve().parents[2]


def _messages(sealer, clock, n: int) -> list[bytes]:
    out = []
    for i in range(n):
        clock.advance(60_000)
        pad = "x" * (200 + (i * 37) % 3000)  # varied line lengths make torn writes likelier
        out.append(wire(sealer.record(ts=clock.now_ms(), kind="order.step", entity_id=f"o{i % 7}",
                                      created_ms=clock.now_ms(), data={"order_id": f"o{i % 7}", "i": i, "pad": pad})))
    return out


def _kill_after(root: Path, key_text: str, msgs_file: Path, batch: int, acks: int) -> set[int]:
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("crash_child.py")), str(root), key_text, str(msgs_file),
         str(batch)], stdout=subprocess.PIPE, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    acked: set[int] = set()
    while len(acked) < acks:
        line = proc.stdout.readline()
        if not line:
            break
        acked.add(int(line.split()[1]))
    proc.send_signal(signal.SIGKILL)  # while it is busy writing the next ones
    proc.wait()
    for line in proc.stdout.read().splitlines():  # anything reported before the kill landed
        acked.add(int(line.split()[1]))
    return acked


@pytest.mark.parametrize("batch", [1, 25])
def test_sigkill_mid_write_loses_nothing_and_duplicates_nothing(tmp_path, hub_key, sealer, clock, make_writer, batch):
    msgs = _messages(sealer, clock, 600)
    msgs_file = tmp_path / "msgs.txt"
    msgs_file.write_text("\n".join(m.hex() for m in msgs))
    root = tmp_path / "export"
    acked: set[int] = set()
    for acks in (90, 260, 430):
        acked |= _kill_after(root, hub_key.public_b64(), msgs_file, batch, acks)
        w = make_writer(root)  # recovery runs here
        assert set(range(1, max(acked) + 1)) <= {i.seq for i in iter_entries(root)}, "an acknowledged entry was lost"
        w.index.close()
        os.close(w._lock_fd)
    w = make_writer(root)
    results = w.append_many(msgs)  # the broker and the hub redeliver everything not acknowledged
    assert {r.status for r in results} <= {AppendStatus.APPENDED, AppendStatus.DUPLICATE}
    w.append(wire(sealer.checkpoint(clock.now_ms())))
    w.close()
    seqs = [i.seq for i in iter_entries(root)]
    assert seqs == list(range(1, 601)), "entries lost, doubled or out of order"
    rep = verify_export(root, hub_key.private.public_key())
    assert rep.ok, rep.problems


def test_torn_trailing_line_is_set_aside_and_rewritten(tmp_path, hub_key, sealer, clock, make_writer):
    msgs = _messages(sealer, clock, 5)
    w = make_writer()
    w.append_many(msgs[:3])
    w.index.close()
    os.close(w._lock_fd)
    root = w.root
    f = root / w.state.file
    line4 = b"".join(encode_line(Entry(4, w.state.hash, "", {})) for _ in range(1))
    with f.open("ab") as fh:
        fh.write(line4[: len(line4) // 2])  # a partial write, never acknowledged
    w2 = make_writer(root)
    assert w2.head[0] == 3
    assert f.read_bytes().endswith(b"\n")
    assert list((root / layout.RECOVERED).iterdir())
    assert [r.status for r in w2.append_many(msgs[3:])] == [AppendStatus.APPENDED] * 2
    w2.append(wire(sealer.checkpoint(clock.now_ms())))
    w2.close()
    assert verify_export(root, hub_key.private.public_key()).ok


def test_complete_unrecorded_line_is_kept_and_resend_is_a_duplicate(tmp_path, hub_key, sealer, clock, make_writer):
    import msgspec

    msgs = _messages(sealer, clock, 3)
    w = make_writer()
    w.append_many(msgs[:2])
    head = w.state.hash
    w.index.close()
    os.close(w._lock_fd)
    env = msgspec.json.decode(msgs[2])
    with (w.root / w.state.file).open("ab") as fh:  # written and fsync'd, crash before chain.json
        fh.write(encode_line(Entry(3, head, entry_hash(3, head, env), env)))
    w2 = make_writer(w.root)
    assert w2.head[0] == 3
    assert w2.append(msgs[2]).status is AppendStatus.DUPLICATE
    assert [i.seq for i in iter_entries(w.root)] == [1, 2, 3]
