"""Bringing an export back to a consistent head after a crash, before the writer accepts anything.

`chain.json` names the last acknowledged entry (seq, hash, file, byte offset). Bytes after that offset
were never acknowledged. Complete lines there that continue the chain were durably written before the
crash and are kept (the hub's resend is then recognised as a duplicate); the first torn or invalid line
and everything after it is moved to `recovered/` and cut off. Nothing before the offset is ever changed.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from hub.police import layout
from hub.police.chain import GENESIS, entry_hash_bytes
from hub.police.reader import decode_raw
from protocol.durable import append_durably, atomic_write, fsync_path


class ExportDamaged(RuntimeError):
    """The acknowledged part of the export does not match its state: run `lockwarden police-verify`."""


class ChainState(msgspec.Struct, frozen=True):
    seq: int = 0
    hash: str = GENESIS
    file: str = ""  # records/YYYY-MM-DD.jsonl holding entry `seq`
    offset: int = 0  # end of that entry's line
    line: int = 0  # its line number
    day: str = ""


def load_state(root: Path) -> ChainState:
    path = root / layout.STATE
    if not path.exists():
        return ChainState()
    return msgspec.json.decode(path.read_bytes(), type=ChainState)


def _check_anchor(root: Path, st: ChainState) -> None:
    if st.seq == 0:
        return
    path = root / st.file
    if not path.exists() or path.stat().st_size < st.offset:
        raise ExportDamaged(f"{st.file} is shorter than its acknowledged length {st.offset}")
    with path.open("rb") as fh:
        start = max(0, st.offset - 1_100_000)
        fh.seek(start)
        chunk = fh.read(st.offset - start)
    last = chunk.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    try:
        raw = decode_raw(last)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ExportDamaged(f"{st.file}: last acknowledged line is unreadable") from exc
    if raw.seq != st.seq or raw.hash != st.hash:
        raise ExportDamaged(f"{st.file}: last acknowledged entry is not seq {st.seq} with the recorded hash")


def _set_aside(root: Path, path: Path, start: int, now_tag: str) -> None:
    with path.open("rb") as fh:
        fh.seek(start)
        tail = fh.read()
    if tail:
        append_durably(root / layout.RECOVERED / f"{path.stem}.{now_tag}.torn", tail)
    if start == 0:
        path.unlink()
        fsync_path(path.parent)
        return
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, start)
        os.fsync(fd)
    finally:
        os.close(fd)


def recover(root: Path) -> ChainState:
    (root / layout.RECOVERED).mkdir(exist_ok=True)
    saved = load_state(root)
    _check_anchor(root, saved)
    cur = saved
    files = [p for p in layout.record_files(root) if f"{layout.RECORDS}/{p.name}" >= saved.file]
    tag = str(saved.seq)
    for i, path in enumerate(files):
        name = f"{layout.RECORDS}/{path.name}"
        start = saved.offset if name == saved.file else 0
        data = path.read_bytes()[start:]
        pos, line_no = 0, (saved.line if name == saved.file else 0)
        cut = False
        while pos < len(data):
            nl = data.find(b"\n", pos)
            if nl < 0:
                cut = True
                break
            try:
                raw = decode_raw(data[pos:nl])
                ok = (raw.seq == cur.seq + 1 and raw.prev == cur.hash
                      and entry_hash_bytes(raw.seq, raw.prev, bytes(raw.env)) == raw.hash)
            except (msgspec.DecodeError, msgspec.ValidationError):
                ok = False
            if not ok:
                cut = True
                break
            line_no += 1
            cur = ChainState(seq=raw.seq, hash=raw.hash, file=name, offset=start + nl + 1, line=line_no,
                             day=path.stem)
            pos = nl + 1
        if cut:
            _set_aside(root, path, start + pos, tag)
            for later in files[i + 1:]:
                _set_aside(root, later, 0, tag)
            break
    if cur != saved:
        atomic_write(root / layout.STATE, msgspec.json.encode(cur))
    return cur
