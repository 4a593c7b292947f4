"""The export's bookkeeping as police-verify checks it: the hub checkpoints (`checkpoints.jsonl`), the
manifest, `chain.json`, and the police's own acknowledgement record. The entry walk is in verify.py; these
checks take what it found (head, hash of any seq, per-file spans) and compare."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.police import layout
from hub.police.acked import AckRecord
from hub.police.recovery import ChainState
from hub.police.trust import raw_public
from hub.police.verify_report import Problem, VerifyReport
from protocol.envelope import Envelope, typed_body, verify
from protocol.errors import Rejected
from protocol.i18n import _
from protocol.keys import unb64
from protocol.messages.police import PoliceCheckpoint

HashAt = Callable[[int], "str | None"]
FORMAT = 1


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    head: str
    line: int
    env: dict[str, Any]


def load_checkpoints(root: Path, key: Ed25519PublicKey, rep: VerifyReport) -> list[Checkpoint]:
    """Every line of checkpoints.jsonl must be a police.checkpoint validly signed by the pinned hub key, and
    their seqs must never go down (the same seq again must name the same head)."""
    path = root / layout.CHECKPOINTS
    if not path.exists():
        return []
    name = layout.CHECKPOINTS
    out: list[Checkpoint] = []
    for line_no, line in enumerate(path.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = msgspec.json.decode(line)
            env = msgspec.convert(value, Envelope)
            verify(env, lambda _s: key)
            body = typed_body(env)
            if not isinstance(body, PoliceCheckpoint):
                raise ValueError(env.type)
        except (msgspec.DecodeError, msgspec.ValidationError, Rejected, ValueError, TypeError):
            rep.problems.append(Problem("checkpoint_signature", _("{file} line {line}: not a hub checkpoint validly signed by the pinned hub key (altered or forged)").format(file=name, line=line_no), name, line_no))
            continue
        cp = Checkpoint(body.seq, body.head, line_no, value)
        if out and cp.seq < out[-1].seq:
            rep.problems.append(Problem("checkpoint_order", _("{file} line {line}: checkpoint seq {seq} comes after checkpoint seq {before}: checkpoints must never go back (reordered or replaced)").format(file=name, line=line_no, seq=cp.seq, before=out[-1].seq), name, line_no, cp.seq))
            continue
        if out and cp.seq == out[-1].seq and cp.head != out[-1].head:
            rep.problems.append(Problem("checkpoint_fork", _("{file} line {line}: two hub checkpoints for seq {seq} name different heads").format(file=name, line=line_no, seq=cp.seq), name, line_no, cp.seq))
            continue
        out.append(cp)
    return out


def check_checkpoints(rep: VerifyReport, cps: list[Checkpoint], hash_at: HashAt, max_seen: int) -> None:
    name = layout.CHECKPOINTS
    rep.checkpoints = len(cps)
    if not cps:
        if max_seen:
            rep.problems.append(Problem("no_checkpoint", _("the export holds {n} entries but no valid hub checkpoint: nothing the hub signed vouches for its extent (checkpoints stripped?)").format(n=max_seen), name))
        return
    top = cps[-1]
    rep.checkpoint_seq = top.seq
    for cp in cps:
        if cp.seq > max_seen:
            continue
        if cp.seq > 0 and hash_at(cp.seq) not in (None, cp.head):
            rep.problems.append(Problem("checkpoint_mismatch", _("entry seq {seq} does not have the hash the hub signed in its checkpoint ({file} line {line}): the chain up to it was altered and re-hashed").format(seq=cp.seq, file=name, line=cp.line), name, cp.line, cp.seq))
    if top.seq > max_seen:
        rep.problems.append(Problem("truncated", _("the export ends at seq {end} but the hub checkpoint covers seq {seq}: entries {a}..{seq} were removed").format(end=max_seen, seq=top.seq, a=max_seen + 1), name, top.line, max_seen + 1))
    elif max_seen > top.seq:
        rep.unconfirmed = max_seen - top.seq
        rep.warnings.append(_("{n} entries after the last hub checkpoint (seq {a}..{b}) are not yet confirmed by a checkpoint; each was checked against its own hub signature").format(n=rep.unconfirmed, a=top.seq + 1, b=max_seen))


def check_manifest(rep: VerifyReport, manifest: dict[str, Any] | None, cps: list[Checkpoint], hash_at: HashAt,
                   max_seen: int, hub_key: Ed25519PublicKey, media_count: int,
                   spans: dict[str, list[Any]]) -> None:
    if manifest is None:
        return
    m = layout.MANIFEST

    def bad(text: str, seq: int | None = None) -> None:
        rep.problems.append(Problem("manifest", text, m, seq=seq))

    if manifest.get("format") != FORMAT:
        bad(_("{file}: format {value} is not {want}").format(file=m, value=manifest.get("format"), want=FORMAT))
    key_text = manifest.get("hub_key")
    try:
        named = unb64(str(key_text)) if key_text else None
    except ValueError:
        named = b""
    if named is not None and named != raw_public(hub_key):
        bad(_("{file} names a hub key other than the pinned one (re-signed with another key?)").format(file=m))
    head_value = manifest.get("head")
    head: dict[str, Any] = head_value if isinstance(head_value, dict) else {}
    mseq, mhash = _int(head.get("seq")), head.get("hash")
    if mseq is None or mseq < 0:
        bad(_("{file}: head has no valid seq").format(file=m))
        mseq = 0
    elif mseq > max_seen:
        rep.problems.append(Problem("truncated", _("the manifest's head is seq {seq} but the export ends at seq {end}").format(seq=mseq, end=max_seen), m, seq=max_seen + 1))
    elif mseq and hash_at(mseq) not in (None, mhash):
        bad(_("{file}: head seq {seq} has a hash other than the entry's").format(file=m, seq=mseq), mseq)
    current = mseq == max_seen
    if mseq < max_seen:
        rep.warnings.append(_("the manifest was written at seq {seq}, before the last entries (the export was not closed cleanly)").format(seq=mseq))
    listed: dict[str, dict[str, Any]] = {}
    for f in manifest.get("files") or []:
        if isinstance(f, dict):
            listed[str(f.get("name"))] = f
    for fname, f in listed.items():
        span = spans.get(fname)
        if span is None:
            rep.problems.append(Problem("file_missing", _("{file} listed in the manifest is missing (entries {a}..{b})").format(file=fname, a=f.get("first_seq"), b=f.get("last_seq")), fname, seq=_int(f.get("first_seq"))))
            continue
        first, last, count, last_hash = span
        lseq = _int(f.get("last_seq")) or 0
        wrong = []
        if _int(f.get("first_seq")) != first:
            wrong.append(_("first seq {listed} (the file starts at {actual})").format(listed=f.get("first_seq"), actual=first))
        if current:
            if lseq != last:
                wrong.append(_("last seq {listed} (the file ends at {actual})").format(listed=f.get("last_seq"), actual=last))
            if _int(f.get("entries")) != count:
                wrong.append(_("{listed} entries (the file holds {actual})").format(listed=f.get("entries"), actual=count))
        if (lseq == last and f.get("last_hash") != last_hash) or (lseq != last and hash_at(lseq) != f.get("last_hash")):
            wrong.append(_("the hash of its last entry"))
        if wrong:
            rep.problems.append(Problem("manifest", _("{manifest} differs from {file}: {what}").format(manifest=m, file=fname, what="; ".join(wrong)), fname, seq=last))
    for fname, span in spans.items():
        if fname not in listed and span[0] <= mseq:
            rep.problems.append(Problem("manifest", _("{file} (entries {a}..{b}) is not listed in the manifest").format(file=fname, a=span[0], b=span[1]), fname, seq=span[0]))
    media = _int(manifest.get("media_files"))
    if media is None or media > media_count or (current and media != media_count):
        bad(_("{file} counts {listed} media files, the export holds {actual}").format(file=m, listed=manifest.get("media_files"), actual=media_count))
    cp = manifest.get("checkpoint")
    top = max(cps, key=lambda c: c.seq, default=None) if cps else None
    if cp and (top is None or cp != top.env):
        bad(_("{file}: its checkpoint is not the latest valid line of {cps} (checkpoints removed or altered)").format(file=m, cps=layout.CHECKPOINTS))
    elif not cp and top is not None:
        bad(_("{file} holds no checkpoint though {cps} does").format(file=m, cps=layout.CHECKPOINTS))


def load_chain_state(root: Path, rep: VerifyReport) -> ChainState | None:
    path = root / layout.STATE
    if not path.exists():
        return None
    try:
        return msgspec.json.decode(path.read_bytes(), type=ChainState)
    except (msgspec.DecodeError, msgspec.ValidationError):
        rep.problems.append(Problem("chain_state", _("{file} is not valid").format(file=layout.STATE), layout.STATE))
        return ChainState(seq=-1)


def check_chain_state(rep: VerifyReport, state: ChainState | None, end: tuple[str, int, int] | None,
                      hash_at: HashAt, max_seen: int) -> None:
    s = layout.STATE
    if state is None:
        if max_seen:
            rep.problems.append(Problem("chain_state", _("{file} is missing").format(file=s), s))
        return
    if state.seq < 0:
        return
    if state.seq > max_seen:
        rep.problems.append(Problem("truncated", _("{file} records entry seq {seq} as acknowledged but the export ends at seq {end}").format(file=s, seq=state.seq, end=max_seen), s, seq=max_seen + 1))
        return
    if state.seq and hash_at(state.seq) not in (None, state.hash):
        rep.problems.append(Problem("chain_state", _("{file}: seq {seq} has a hash other than the entry's").format(file=s, seq=state.seq), s, seq=state.seq))
    if state.seq and end is not None and end != (state.file, state.line, state.offset):
        rep.problems.append(Problem("chain_state", _("{file} places seq {seq} at {where}, but it is at {actual}").format(
            file=s, seq=state.seq, where=f"{state.file} line {state.line} offset {state.offset}",
            actual=f"{end[0]} line {end[1]} offset {end[2]}"), s, seq=state.seq))
    if state.seq < max_seen:
        rep.warnings.append(_("{file} stops at seq {seq}: later entries were written but not recorded as acknowledged (a crash; the writer settles this on its next start)").format(file=s, seq=state.seq))


def check_acked(rep: VerifyReport, acked: AckRecord, hash_at: HashAt, max_seen: int) -> None:
    when = dt.datetime.fromtimestamp(acked.ts / 1000, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    rep.acked_seq = acked.upto_seq
    if acked.upto_seq > max_seen:
        rep.problems.append(Problem("rolled_back", _("the police acknowledged entries up to seq {seq} ({when}), but the export ends at seq {end}: entries {a}..{seq} were removed (rolled back)").format(seq=acked.upto_seq, when=when, end=max_seen, a=max_seen + 1), seq=max_seen + 1))
    elif acked.upto_seq and hash_at(acked.upto_seq) not in (None, acked.head):
        rep.problems.append(Problem("rolled_back", _("entry seq {seq} is not the entry the police acknowledged ({when}): replaced").format(seq=acked.upto_seq, when=when), seq=acked.upto_seq))
    if acked.checkpoint_seq > (rep.checkpoint_seq or 0):
        rep.problems.append(Problem("rolled_back", _("the police stored a hub checkpoint at seq {seq} ({when}), but the export's latest is at seq {have}: checkpoints were removed").format(seq=acked.checkpoint_seq, when=when, have=rep.checkpoint_seq or 0), layout.CHECKPOINTS))


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
