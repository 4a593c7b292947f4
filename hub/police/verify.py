"""Offline verification of a police export against a hub key the police pinned (hub/police/trust.py),
never one the export names: every entry hash, every chain link, the daily-file rule, every media hash,
every hub checkpoint in `checkpoints.jsonl` (signature, monotonic, matching the chain), the manifest's
bookkeeping, `chain.json`, and (for entries no checkpoint covers yet, or all with `all_signatures`) the
hub's signature on each record. With the police's own acknowledgement record (hub/police/acked.py) it
also catches a rollback to an older genuine checkpoint. Every problem names the file, line and seq.
The rules are stated for other implementations in docs/police.md ("What a verifier must check")."""

from __future__ import annotations

import functools
import hashlib
import re
from array import array
from pathlib import Path
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.police import access_log, layout
from hub.police import verify_meta as meta
from hub.police.acked import AckRecord
from hub.police.chain import GENESIS, entry_hash, entry_hash_bytes
from hub.police.media_store import media_path
from hub.police.reader import RawEntry, decode_raw
from hub.police.verify_report import Problem, VerifyReport
from protocol.envelope import Envelope, verify
from protocol.errors import Rejected
from protocol.i18n import _

__all__ = ["Problem", "VerifyReport", "verify_export"]

MAX_SEQ = 2**32 - 1  # beyond any real export; a larger seq is an edit, not a reason to allocate memory


class _Walk:
    """Per-seq arrays so a million entries cost tens of MB, not Python objects."""

    def __init__(self) -> None:
        self.present = bytearray()
        self.hashes = bytearray()
        self.file_idx = array("I")
        self.lines = array("I")

    def grow(self, seq: int) -> None:
        if seq >= len(self.present):
            extra = max(seq + 1 - len(self.present), len(self.present) // 2 + 1024)
            self.present.extend(b"\0" * extra)
            self.hashes.extend(b"\0" * (32 * extra))
            self.file_idx.extend([0] * extra)
            self.lines.extend([0] * extra)

    def hash_of(self, seq: int) -> str:
        return self.hashes[seq * 32:(seq + 1) * 32].hex()


def _content_ok(raw: RawEntry, env_bytes: bytes) -> bool:
    if entry_hash_bytes(raw.seq, raw.prev, env_bytes) == raw.hash:
        return True
    # Slow path: the JSON may only have been re-formatted (harmless); hash its canonical form.
    try:
        return entry_hash(raw.seq, raw.prev, msgspec.json.decode(env_bytes)) == raw.hash
    except (msgspec.DecodeError, ValueError):  # ValueError covers UnicodeDecodeError from a mangled byte
        return False


class _SeqOnly(msgspec.Struct):
    seq: int


class _Meta(msgspec.Struct):
    ts: int
    body: _SeqOnly


_meta_decoder = msgspec.json.Decoder(_Meta)


def _file_day(name: str) -> str | None:
    day = name[len(layout.RECORDS) + 1:-len(".jsonl")]
    return day if _DAY_RE.match(day) else None


def verify_export(root: Path, hub_key: Ed25519PublicKey | None, *, all_signatures: bool = False,
                  acked: AckRecord | None = None) -> VerifyReport:
    """`hub_key` must come from the police's own pin (trust.py); None is refused, never looked up."""
    root = Path(root)
    rep = VerifyReport()
    if hub_key is None:
        rep.problems.append(Problem("no_key", _("no pinned hub key: give --hub-key or --hub-fingerprint; the "
                                                "export's own key is never trusted")))
        return rep
    manifest = _load_manifest(root, rep)
    state = meta.load_chain_state(root, rep)
    cps = meta.load_checkpoints(root, hub_key, rep)
    cp_seq = cps[-1].seq if cps else 0
    w = _Walk()
    files = layout.record_files(root)
    names = [f"{layout.RECORDS}/{p.name}" for p in files]
    rep.files = len(files)
    media_refs: dict[str, tuple[int, str, int]] = {}
    deferred: list[tuple[int, str, str, int]] = []
    last_seq, last_hash, max_seen = 0, GENESIS, 0
    prev_line_seq = 0
    pending: tuple[int, str, int] | None = None
    prev_day = ""
    state_end: tuple[str, int, int] | None = None  # (file, line, end offset) of the entry chain.json names
    spans: dict[str, list[Any]] = {}  # file -> [first seq, last seq, entries, hash of the last seq]
    for fi, path in enumerate(files):
        name = names[fi]
        fday = _file_day(name)
        if fday is None:
            rep.problems.append(Problem("file_name", _("{file} is not named for a UTC day (records/YYYY-MM-DD.jsonl)").format(file=name), name))
        offset = 0
        with path.open("rb") as fh:
            for line_no, line in enumerate(fh, start=1):
                offset += len(line)
                try:
                    raw = decode_raw(line)
                except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
                    rep.problems.append(Problem("unreadable", _("{file} line {line}: not a valid entry (edited or truncated)").format(file=name, line=line_no), name, line_no))
                    continue
                seq = raw.seq
                rep.entries += 1
                if seq < 1 or seq > MAX_SEQ:
                    rep.problems.append(Problem("bad_seq", _("{file} line {line}: invalid seq {seq}").format(file=name, line=line_no, seq=seq), name, line_no, seq))
                    continue
                if state is not None and seq == state.seq:
                    state_end = (name, line_no, offset)
                env_bytes = bytes(raw.env)
                if not _content_ok(raw, env_bytes):
                    rep.problems.append(Problem("edited", _("{file} line {line}: entry seq {seq} was edited (its content no longer matches its hash)").format(file=name, line=line_no, seq=seq), name, line_no, seq))
                if fday is not None:
                    prev_day = _check_day(rep, env_bytes, fday, prev_day, name, line_no, seq)
                w.grow(seq)
                # An entry is out of place when it follows neither the line before nor precedes the next.
                if pending is not None:
                    if seq != pending[0] + 1:
                        _reorder_problem(rep, *pending)
                    pending = None
                if seq != prev_line_seq + 1:
                    pending = (seq, name, line_no)
                prev_line_seq = seq
                if w.present[seq]:
                    first = f"{names[w.file_idx[seq]]} line {w.lines[seq]}"
                    rep.problems.append(Problem("duplicate", _("{file} line {line}: entry seq {seq} appears a second time (first at {first}): inserted or copied").format(file=name, line=line_no, seq=seq, first=first), name, line_no, seq))
                    continue
                w.present[seq] = 1
                try:
                    w.hashes[seq * 32:(seq + 1) * 32] = bytes.fromhex(raw.hash)
                except ValueError:
                    pass
                w.file_idx[seq] = fi
                w.lines[seq] = line_no
                span = spans.get(name)
                if span is None:
                    spans[name] = [seq, seq, 1, raw.hash]
                else:
                    span[2] += 1
                    if seq >= span[1]:
                        span[1], span[3] = seq, raw.hash
                    elif seq < span[0]:
                        span[0] = seq
                if seq == last_seq + 1:
                    if raw.prev != last_hash:
                        _link_problem(rep, name, line_no, seq)
                else:
                    deferred.append((seq, raw.prev, name, line_no))
                last_seq, last_hash, max_seen = seq, raw.hash, max(max_seen, seq)
                if b'"sha256"' in env_bytes or all_signatures or seq > cp_seq:
                    try:
                        env = msgspec.json.decode(env_bytes)
                        for ref in env.get("body", {}).get("media", []) or []:
                            media_refs.setdefault(str(ref.get("sha256", "")), (seq, name, line_no))
                    except (msgspec.DecodeError, ValueError, AttributeError, TypeError):
                        rep.problems.append(Problem("unreadable", _("{file} line {line}: not a valid entry (edited or truncated)").format(file=name, line=line_no), name, line_no, seq))
                        continue
                    if all_signatures or seq > cp_seq:
                        _check_signature(env, hub_key, rep, name, line_no, seq)
    if pending is not None:
        _reorder_problem(rep, *pending)
    for seq, prev, name, line_no in deferred:
        expected = GENESIS if seq == 1 else (w.hash_of(seq - 1) if w.present[seq - 1] else prev)
        if prev != expected:
            _link_problem(rep, name, line_no, seq)
    _gaps(rep, w, names, max_seen)
    rep.head_seq = max_seen
    rep.head_hash = w.hash_of(max_seen) if max_seen else GENESIS

    def hash_at(seq: int) -> str | None:
        return w.hash_of(seq) if 0 < seq < len(w.present) and w.present[seq] else None

    meta.check_checkpoints(rep, cps, hash_at, max_seen)
    meta.check_manifest(rep, manifest, cps, hash_at, max_seen, hub_key, _media_count(root), spans)
    meta.check_chain_state(rep, state, state_end, hash_at, max_seen)
    if acked is not None:
        meta.check_acked(rep, acked, hash_at, max_seen)
    _check_media(root, rep, media_refs)
    _check_access(root, rep)
    return rep


def _check_access(root: Path, rep: VerifyReport) -> None:
    acc = access_log.check(root)
    rep.access_entries, rep.access_head = acc.entries, acc.head
    for code, line_no, detail in acc.problems:
        rep.problems.append(Problem(code, _("{file} line {line}: {detail}").format(
            file=layout.ACCESS, line=line_no, detail=detail), layout.ACCESS, line_no))


_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


_DAY_MS = 86_400_000


@functools.lru_cache(maxsize=4096)
def _day(day_number: int) -> str:
    # strftime per line was a third of the verifier's time; a day's entries share one call.
    return layout.day_of(day_number * _DAY_MS)


def _check_day(rep: VerifyReport, env_bytes: bytes, fday: str, prev_day: str, name: str, line_no: int,
               seq: int) -> str:
    """Daily-file rule: an entry sits in the file of max(its envelope ts's UTC day, the previous line's
    file day). Returns this line's file day for the next line. Also: the record's own number is the
    entry's seq."""
    try:
        meta = _meta_decoder.decode(env_bytes)
        day = _day(meta.ts // _DAY_MS)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, OverflowError, OSError):
        return fday  # unreadable envelope: reported as edited/unreadable already
    if meta.body.seq != seq:
        rep.problems.append(Problem("edited", _("{file} line {line}: entry seq {seq} holds the hub's record number {number}").format(
            file=name, line=line_no, seq=seq, number=meta.body.seq), name, line_no, seq))
    expected = max(day, prev_day)
    if fday != expected:
        rep.problems.append(Problem("wrong_day", _("{file} line {line}: entry seq {seq} belongs in records/{day}.jsonl (its hub time is {ts_day}, the line before is in {prev}): moved between daily files").format(
            file=name, line=line_no, seq=seq, day=expected, ts_day=day, prev=prev_day or "-"), name, line_no, seq))
    return fday


def _media_count(root: Path) -> int:
    media_dir = root / "media"
    return sum(1 for p in media_dir.glob("[0-9a-f][0-9a-f]/*") if p.is_file()) if media_dir.is_dir() else 0


def _reorder_problem(rep: VerifyReport, seq: int, name: str, line_no: int) -> None:
    rep.problems.append(Problem("reordered", _("{file} line {line}: entry seq {seq} is out of order (moved or inserted here)").format(file=name, line=line_no, seq=seq), name, line_no, seq))


def _link_problem(rep: VerifyReport, name: str, line_no: int, seq: int) -> None:
    rep.problems.append(Problem("chain_broken", _("{file} line {line}: entry seq {seq} does not link to entry seq {prev} (that entry was altered, replaced or inserted)").format(file=name, line=line_no, seq=seq, prev=seq - 1), name, line_no, seq))


def _check_signature(env: dict[str, Any], key: Ed25519PublicKey, rep: VerifyReport, name: str, line_no: int,
                     seq: int) -> None:
    try:
        verify(msgspec.convert(env, Envelope), lambda _s: key)
    except (Rejected, msgspec.ValidationError):
        rep.problems.append(Problem("signature", _("{file} line {line}: entry seq {seq} does not carry a valid hub signature").format(file=name, line=line_no, seq=seq), name, line_no, seq))


def _gaps(rep: VerifyReport, w: _Walk, names: list[str], max_seen: int) -> None:
    seq = 1
    while seq <= max_seen:
        if w.present[seq]:
            seq += 1
            continue
        start = seq
        while seq <= max_seen and not w.present[seq]:
            seq += 1
        where = (_("after {file} line {line}").format(file=names[w.file_idx[start - 1]], line=w.lines[start - 1])
                 if start > 1 and w.present[start - 1] else _("at the start"))
        rep.problems.append(Problem("missing", _("entries seq {a}..{b} are missing ({where}): deleted").format(a=start, b=seq - 1, where=where), seq=start))


def _load_manifest(root: Path, rep: VerifyReport) -> dict[str, Any] | None:
    path = root / layout.MANIFEST
    if not path.exists():
        rep.problems.append(Problem("manifest", _("{file} is missing").format(file=layout.MANIFEST), layout.MANIFEST))
        return None
    try:
        value = msgspec.json.decode(path.read_bytes())
        return value if isinstance(value, dict) else None
    except msgspec.DecodeError:
        rep.problems.append(Problem("manifest", _("{file} is not valid JSON").format(file=layout.MANIFEST), layout.MANIFEST))
        return None


def _check_media(root: Path, rep: VerifyReport, refs: dict[str, tuple[int, str, int]]) -> None:
    for sha, (seq, name, line_no) in sorted(refs.items(), key=lambda kv: kv[1][0]):
        path = media_path(root, sha)
        if not path.is_file():
            rep.problems.append(Problem("media_missing", _("media {sha} referenced by entry seq {seq} ({file} line {line}) is missing").format(sha=sha, seq=seq, file=name, line=line_no), name, line_no, seq))
            continue
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        rep.media_checked += 1
        if h.hexdigest() != sha:
            rep.problems.append(Problem("media_altered", _("media {sha} referenced by entry seq {seq} ({file} line {line}) was altered").format(sha=sha, seq=seq, file=name, line=line_no), name, line_no, seq))
    media_dir = root / "media"
    if media_dir.is_dir():
        for p in media_dir.glob("[0-9a-f][0-9a-f]/*"):
            if p.name not in refs:
                rep.warnings.append(_("media file {name} is not referenced by any entry").format(name=p.name))
