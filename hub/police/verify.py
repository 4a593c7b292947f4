"""Offline verification of a police export: every entry hash, every chain link, every media hash, the
hub's signed checkpoint, the manifest, and (for entries the checkpoint does not yet cover, or all with
`all_signatures`) the hub's signature on each record. Every problem names the file, line and seq."""

from __future__ import annotations

import hashlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.police import layout
from hub.police.chain import GENESIS, entry_hash, entry_hash_bytes
from hub.police.media_store import media_path
from hub.police.reader import RawEntry, decode_raw
from protocol.envelope import Envelope, verify
from protocol.errors import Rejected
from protocol.i18n import _
from protocol.keys import load_verify_key

MAX_SEQ = 2**32 - 1  # beyond any real export; a larger seq is an edit, not a reason to allocate memory


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    file: str = ""
    line: int = 0
    seq: int | None = None


@dataclass
class VerifyReport:
    entries: int = 0
    files: int = 0
    media_checked: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    checkpoint_seq: int | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


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


def verify_export(root: Path, hub_key: Ed25519PublicKey | None = None, *,
                  all_signatures: bool = False) -> VerifyReport:
    root = Path(root)
    rep = VerifyReport()
    manifest = _load_manifest(root, rep)
    if hub_key is None:
        if manifest and manifest.get("hub_key"):
            hub_key = load_verify_key(manifest["hub_key"])
            rep.warnings.append(_("using the hub key recorded in the manifest; pass --hub-key for an independent check"))
        else:
            rep.problems.append(Problem("no_key", _("no hub key given and none in the manifest")))
            return rep
    checkpoint = _check_checkpoint(manifest, hub_key, rep)
    cp_seq = checkpoint[0] if checkpoint else 0
    w = _Walk()
    files = layout.record_files(root)
    names = [f"{layout.RECORDS}/{p.name}" for p in files]
    rep.files = len(files)
    media_refs: dict[str, tuple[int, str, int]] = {}
    deferred: list[tuple[int, str, str, int]] = []
    last_seq, last_hash, max_seen = 0, GENESIS, 0
    prev_line_seq = 0
    pending: tuple[int, str, int] | None = None
    for fi, path in enumerate(files):
        name = names[fi]
        with path.open("rb") as fh:
            for line_no, line in enumerate(fh, start=1):
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
                env_bytes = bytes(raw.env)
                if not _content_ok(raw, env_bytes):
                    rep.problems.append(Problem("edited", _("{file} line {line}: entry seq {seq} was edited (its content no longer matches its hash)").format(file=name, line=line_no, seq=seq), name, line_no, seq))
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
    _check_heads(rep, w, manifest, checkpoint, max_seen, set(names))
    _check_media(root, rep, media_refs)
    return rep


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


def _check_checkpoint(manifest: dict[str, Any] | None, key: Ed25519PublicKey,
                      rep: VerifyReport) -> tuple[int, str] | None:
    cp = (manifest or {}).get("checkpoint")
    if not cp:
        rep.warnings.append(_("no hub checkpoint yet: every entry's signature is checked instead"))
        return None
    try:
        env = msgspec.convert(cp, Envelope)
        verify(env, lambda _s: key)
        if env.type != "police.checkpoint":
            raise ValueError(env.type)
        seq, head = int(env.body["seq"]), str(env.body["head"])
    except (Rejected, msgspec.ValidationError, ValueError, KeyError):
        rep.problems.append(Problem("checkpoint_signature", _("the hub checkpoint in the manifest is not validly signed by the hub"), layout.MANIFEST))
        return None
    rep.checkpoint_seq = seq
    return seq, head


def _check_heads(rep: VerifyReport, w: _Walk, manifest: dict[str, Any] | None,
                 checkpoint: tuple[int, str] | None, max_seen: int, names: set[str]) -> None:
    if checkpoint:
        seq, head = checkpoint
        if seq > max_seen:
            rep.problems.append(Problem("truncated", _("the export ends at seq {end} but the hub checkpoint covers seq {seq}: entries {a}..{seq} were removed").format(end=max_seen, seq=seq, a=max_seen + 1), seq=max_seen + 1))
        elif seq > 0 and w.present[seq] and w.hash_of(seq) != head:
            rep.problems.append(Problem("checkpoint_mismatch", _("entry seq {seq} does not have the hash the hub signed in its checkpoint: the chain up to it was altered and re-hashed").format(seq=seq), seq=seq))
    if not manifest:
        return
    mhead = manifest.get("head") or {}
    if int(mhead.get("seq", 0)) > max_seen:
        rep.problems.append(Problem("truncated", _("the manifest's head is seq {seq} but the export ends at seq {end}").format(seq=mhead.get("seq"), end=max_seen), layout.MANIFEST))
    for f in manifest.get("files", []):
        if f.get("name") not in names:
            rep.problems.append(Problem("file_missing", _("{file} listed in the manifest is missing (entries {a}..{b})").format(file=f.get("name"), a=f.get("first_seq"), b=f.get("last_seq")), str(f.get("name", "")), seq=f.get("first_seq")))
            continue
        last = int(f.get("last_seq", 0))
        if last <= max_seen and last < len(w.present) and w.present[last] and w.hash_of(last) != f.get("last_hash"):
            rep.problems.append(Problem("manifest_mismatch", _("{file}: its last entry seq {seq} differs from the manifest").format(file=f.get("name"), seq=last), str(f.get("name", "")), seq=last))


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
