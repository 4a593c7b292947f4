"""The police export writer: verify, dedupe, append durably, then return (and only then may the
transport acknowledge).

Each `police.record` from the hub becomes one line of `records/YYYY-MM-DD.jsonl` (UTC day of the hub's
envelope time, never earlier than the previous line's day) carrying its seq, the previous entry's hash
and its own hash (hub/police/chain.py). The line is fsync'd, then `chain.json` (seq, head, file, offset)
is replaced atomically; both happen before `append` returns. On open, anything after the recorded
offset was never acknowledged: complete lines that continue the chain are kept, a torn tail is moved to
`recovered/` and cut off.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.police import index as idx
from hub.police import layout
from hub.police.chain import GENESIS, Entry, encode_line, entry_hash
from hub.police.manifest import last_checkpoint, write_manifest
from hub.police.media_store import MediaError, MediaStore
from hub.police.recovery import ChainState, ExportDamaged, recover
from protocol.clock import Clock, SystemClock
from protocol.durable import append_durably, atomic_write, truncate_to
from protocol.envelope import Envelope, open_envelope
from protocol.errors import Reason, Rejected
from protocol.limits import QUARANTINE_FILE_BYTES, QUARANTINE_RAW_PREFIX
from protocol.messages.police import PoliceAck, PoliceCheckpoint, PoliceMedia, PoliceRecord
from protocol.topics import POLICE_RECORDS

log = logging.getLogger(__name__)

__all__ = ["AppendResult", "AppendStatus", "ExportDamaged", "ExportWriter"]


class AppendStatus(StrEnum):
    APPENDED = "appended"
    DUPLICATE = "duplicate"  # already in the export: acknowledge again, write nothing
    GAP = "gap"  # an earlier record is missing: not written, the hub resends from upto_seq + 1
    CONFLICT = "conflict"  # seq already holds a different message: not written, logged loudly
    MEDIA_PENDING = "media_pending"  # a referenced media file is not here yet: not written
    MEDIA_CHUNK = "media_chunk"
    MEDIA_COMPLETE = "media_complete"
    CHECKPOINT = "checkpoint"
    REJECTED = "rejected"  # bad signature, unknown type...: quarantined


@dataclass(frozen=True)
class AppendResult:
    status: AppendStatus
    msg_id: str | None = None
    seq: int | None = None
    detail: str = ""


class ExportWriter:
    def __init__(self, root: Path, hub_verify_key: Ed25519PublicKey, *, clock: Clock | None = None,
                 hub_sender: str = "hub") -> None:
        self.root = Path(root)
        self.clock: Clock = clock or SystemClock()
        self._key = hub_verify_key
        self._sender = hub_sender
        (self.root / layout.RECORDS).mkdir(parents=True, exist_ok=True)
        self._lock_fd = _lock_dir(self.root)
        try:
            self.media = MediaStore(self.root)
            self.state: ChainState = recover(self.root)
            cp = last_checkpoint(self.root)
            self._checkpoint_seq = int(cp["body"]["seq"]) if cp else 0
            self._completed: list[str] = []  # media completed lately, reported in acks
            self.index = idx.open_index(self.root / layout.INDEX)
            self._index_behind = False
            self._catch_up_index()
        except BaseException:
            os.close(self._lock_fd)  # so a second attempt (say, once the full disk has room) may open it
            raise

    # -- public API ---------------------------------------------------------------------------------
    @property
    def head(self) -> tuple[int, str]:
        return self.state.seq, self.state.hash

    def append(self, raw: bytes) -> AppendResult:
        return self.append_many([raw])[0]

    def append_many(self, raws: Sequence[bytes]) -> list[AppendResult]:
        """Append a batch with one fsync per touched file; every result is durable when this returns."""
        if self._index_behind:
            self._catch_up_index()  # raises while the disk is still full: nothing is judged meanwhile
            self._index_behind = False
        results: list[AppendResult] = []
        batch: list[tuple[Entry, str]] = []  # (entry, day)
        batch_ids: set[str] = set()
        seq, head, day = self.state.seq, self.state.hash, self.state.day
        for raw in raws:
            try:
                env, body = open_envelope(raw, self._key_for, POLICE_RECORDS.build())
            except Rejected as exc:
                self._quarantine(raw, str(exc))
                results.append(AppendResult(AppendStatus.REJECTED, detail=str(exc)))
                continue
            except Exception as exc:  # noqa: BLE001 - no input may stop the export; kept with the fault
                log.exception("decoding an inbound police message failed")
                self._quarantine(raw, f"{Reason.PROCESSING_FAULT.value}: {exc!r}"[:500])
                results.append(AppendResult(AppendStatus.REJECTED, detail="processing fault"))
                continue
            if isinstance(body, PoliceRecord):
                res, entry = self._admit(env, body, seq, head, batch_ids)
                if entry is not None:
                    day = max(day, layout.day_of(env.ts))
                    batch.append((entry, day))
                    batch_ids.add(env.id)
                    seq, head = entry.seq, entry.hash
                results.append(res)
            elif isinstance(body, PoliceMedia):
                results.append(self._media(env, body))
            elif isinstance(body, PoliceCheckpoint):
                self._flush(batch)
                batch = []
                results.append(self._checkpoint(env, body))
            else:
                detail = f"{env.type} is not for the police export"
                self._quarantine(raw, detail)
                results.append(AppendResult(AppendStatus.REJECTED, env.id, detail=detail))
        self._flush(batch)
        return results

    def ack_body(self) -> PoliceAck:
        return PoliceAck(upto_seq=self.state.seq, head=self.state.hash, media_complete=list(self._completed),
                         media_chunks=self.media.pending(), checkpoint_seq=self._checkpoint_seq)

    def write_manifest(self) -> None:
        write_manifest(self.root, self.index, self.state.seq, self.state.hash, self._key, self.clock.now_ms())

    def close(self) -> None:
        self.write_manifest()
        self.index.close()
        os.close(self._lock_fd)

    # -- internals ----------------------------------------------------------------------------------
    def _key_for(self, sender: str) -> Ed25519PublicKey | None:
        return self._key if sender == self._sender else None

    def _admit(self, env: Envelope, rec: PoliceRecord, seq: int, head: str,
               batch_ids: set[str]) -> tuple[AppendResult, Entry | None]:
        known = idx.msg_seq(self.index, env.id)
        if known is not None or env.id in batch_ids:
            return AppendResult(AppendStatus.DUPLICATE, env.id, known or rec.seq), None
        if rec.seq <= seq:
            detail = f"seq {rec.seq} already holds another message"
            log.error("police export conflict: %s (message %s)", detail, env.id)
            return AppendResult(AppendStatus.CONFLICT, env.id, rec.seq, detail), None
        if rec.seq > seq + 1:
            return AppendResult(AppendStatus.GAP, env.id, rec.seq, f"expected seq {seq + 1}"), None
        missing = [m.sha256 for m in rec.media if not self.media.has(m.sha256)]
        if missing:
            return AppendResult(AppendStatus.MEDIA_PENDING, env.id, rec.seq, ",".join(missing)), None
        env_dict = msgspec.to_builtins(env)
        entry = Entry(seq=rec.seq, prev=head, hash=entry_hash(rec.seq, head, env_dict), env=env_dict)
        return AppendResult(AppendStatus.APPENDED, env.id, rec.seq), entry

    def _flush(self, batch: list[tuple[Entry, str]]) -> None:
        if not batch:
            return
        by_file: dict[str, list[Entry]] = {}
        for entry, day in batch:
            by_file.setdefault(layout.day_file(day), []).append(entry)
        rows: list[idx.IndexRow] = []
        state = self.state
        appended: list[tuple[Path, int]] = []
        try:
            for name, entries in by_file.items():
                data = b"".join(encode_line(e) for e in entries)
                path = self.root / name
                appended.append((path, path.stat().st_size if path.exists() else 0))
                start = append_durably(path, data)
                line = state.line if name == state.file else 0
                if name == state.file and start != state.offset:
                    raise ExportDamaged(f"{name} grew behind the writer's back ({start} != {state.offset})")
                for e in entries:
                    line += 1
                    rows.append(idx.IndexRow.from_entry(e.env, seq=e.seq, hash=e.hash, file=name, line=line))
                last = entries[-1]
                state = ChainState(seq=last.seq, hash=last.hash, file=name, offset=start + len(data), line=line,
                                   day=name[len(layout.RECORDS) + 1:-len(".jsonl")])
            atomic_write(self.root / layout.STATE, msgspec.json.encode(state))
        except OSError:
            # Disk full part-way: the chain state was not advanced, so nothing of this batch is in the
            # export. Cut what did get appended back off, or the retry would find the file "grown
            # behind the writer's back" and refuse for good.
            for path, size in appended:
                if path.exists():
                    truncate_to(path, size)
            raise
        self.state = state
        try:
            idx.add_rows(self.index, rows)
        except Exception as exc:
            # The lines are durable and the chain state says so; the index is derived from them and
            # catches up before the next batch is judged (duplicates are found through it).
            log.error("police export: index update failed (%s); catching up before the next batch", exc)
            self._index_behind = True

    def _media(self, env: Envelope, chunk: PoliceMedia) -> AppendResult:
        try:
            complete = self.media.put_chunk(chunk)
        except (MediaError, ValueError) as exc:
            return AppendResult(AppendStatus.REJECTED, env.id, detail=str(exc))
        if complete and chunk.sha256 not in self._completed:
            self._completed = [*self._completed[-63:], chunk.sha256]
        return AppendResult(AppendStatus.MEDIA_COMPLETE if complete else AppendStatus.MEDIA_CHUNK, env.id,
                            detail=chunk.sha256)

    def _checkpoint(self, env: Envelope, cp: PoliceCheckpoint) -> AppendResult:
        if cp.seq > self.state.seq:
            return AppendResult(AppendStatus.GAP, env.id, cp.seq, f"checkpoint beyond head {self.state.seq}")
        ours = self.state.hash if cp.seq == self.state.seq else (idx.hash_at(self.index, cp.seq) or GENESIS)
        line = msgspec.json.encode(env) + b"\n"
        append_durably(self.root / layout.CHECKPOINTS, line)
        if ours != cp.head:
            detail = f"hub head at seq {cp.seq} is {cp.head[:16]}, export has {ours[:16]}"
            log.error("police export diverges from the hub: %s", detail)
            return AppendResult(AppendStatus.CONFLICT, env.id, cp.seq, detail)
        self._checkpoint_seq = max(self._checkpoint_seq, cp.seq)
        self.write_manifest()
        return AppendResult(AppendStatus.CHECKPOINT, env.id, cp.seq)

    def _quarantine(self, raw: bytes, reason: str) -> None:
        """Keep a refused message, bounded like the hub's quarantine: a prefix of its bytes, and at most two
        files of QUARANTINE_FILE_BYTES (the current one and the one before; the older is dropped, and the
        first line of the new file says how many entries went with it)."""
        line = json.dumps({"reason": reason[:2000], "at_ms": self.clock.now_ms(), "size": len(raw),
                           "raw": raw[:QUARANTINE_RAW_PREFIX].decode("utf-8", "replace")}, ensure_ascii=False)
        data = line.encode("utf-8") + b"\n"
        path = self.root / layout.QUARANTINE
        if path.exists() and path.stat().st_size + len(data) > QUARANTINE_FILE_BYTES:
            older = path.with_name(path.name + ".1")
            dropped = sum(1 for _ in older.open("rb")) if older.exists() else 0
            os.replace(path, older)
            note = {"reason": "rotated", "at_ms": self.clock.now_ms(), "dropped_entries": dropped}
            data = json.dumps(note).encode() + b"\n" + data
        append_durably(path, data)

    def _catch_up_index(self) -> None:
        have = idx.max_seq(self.index)
        if have >= self.state.seq:
            return
        from hub.police.reader import iter_entries  # local: only needed after a crash

        batch: list[idx.IndexRow] = []
        for item in iter_entries(self.root, from_seq=have + 1):
            batch.append(idx.IndexRow.from_entry(item.env, seq=item.seq, hash=item.hash, file=item.file,
                                                 line=item.line))
            if len(batch) >= 5000:
                idx.add_rows(self.index, batch)
                batch = []
        idx.add_rows(self.index, batch)


def _lock_dir(root: Path) -> int:
    """One writer per export: a second one would fork the chain."""
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        os.close(fd)
        raise ExportDamaged(f"another writer holds {root}") from exc
    return fd
