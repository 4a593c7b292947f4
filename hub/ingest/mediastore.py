"""Reassembling media at the hub: chunks written in place and fsynced before their rows commit; a
complete file is verified against its announced SHA-256 and moved to its content address.

Three things keep a large upload from stalling on the disk without weakening that order:
- chunk bytes are written by one helper thread, in submission order, while the ingest goes on decoding
  and verifying the next messages (pwrite and fsync release the GIL); `sync` waits for every write, then
  fsyncs every file written since the last call, before the commit; a write error surfaces there;
- early writeback: once a few MiB of a file are written, the helper asks the kernel to start writing them
  out (Linux `sync_file_range(SYNC_FILE_RANGE_WRITE)`: it returns at once and commits no journal), so `sync`
  has little left to flush. An fsync every 4 MiB did the same but cost more than all the rest (measured:
  100 MB with a 10 MiB batch fsync took 0.17 s alone, 0.29-0.57 s with an fsync every 4 MiB besides);
- a running SHA-256 of each file's bytes written in order, so completing a 100 MB file does not read it
  back; any chunk out of order (a resend, a hub restart mid-file) drops the running hash and `finish`
  hashes the file on disk as before.

Each byte is hashed once: a chunk that extends its file's running hash is not hashed on its own, because the
file's SHA-256 (signed in its `media.begin`) covers it when the file completes (`write_chunk(check=...)` runs
the caller's per-chunk check only for a chunk that cannot join the running hash). Should the whole file then
not match, `finish` hashes it chunk by chunk against the chunk hashes signed in the frames: the chunks that
differ are named, the rest of the file is kept, and only those are sent again. Only a file whose every chunk
matches its signed hash and whose whole does not (its sender announced the wrong file hash) is set aside.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocol.durable import atomic_write, fsync_path
from protocol.safepath import SHA256_RE, check_id, inside

MAX_OPEN = 64
WRITEBACK_BYTES = 4 * 1024 * 1024
MAX_PENDING_BYTES = 32 * 1024 * 1024  # chunk bytes queued for the writer; beyond this the ingest waits


def ranges(indices: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for i in sorted(indices):
        if out and i == out[-1][1] + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out



class _Partial:
    """One open partial file. `unflushed`, `hash` and `next` belong to the writer thread; `queued` to the
    ingest thread: the end of the bytes queued so far while they run in order from 0, else -1 (no running
    hash: every chunk is checked on its own)."""

    __slots__ = ("fd", "unflushed", "hash", "next", "queued")

    def __init__(self, fd: int, hashed: bool) -> None:
        self.fd = fd
        self.unflushed = 0
        self.hash: Any = hashlib.sha256() if hashed else None  # of bytes [0, next), written in order
        self.next = 0
        self.queued = 0 if hashed else -1


@dataclass(frozen=True)
class Finished:
    """What `finish` found. `bad_chunks`: chunks whose bytes on disk differ from their signed hash; the file
    stays partial without them (they are to be sent again)."""

    ok: bool
    detail: str
    bad_chunks: tuple[int, ...] = ()


def _start_writeback_fn() -> Callable[[int, int, int], None] | None:
    """Linux's sync_file_range(fd, offset, n, SYNC_FILE_RANGE_WRITE) through ctypes; None elsewhere."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    fn.restype = ctypes.c_int

    def start(fd: int, offset: int, n: int) -> None:
        fn(fd, offset, n, 2)  # SYNC_FILE_RANGE_WRITE; a failure only means `sync` has more to flush

    return start


_start_writeback = _start_writeback_fn() if sys.platform.startswith("linux") else None


def _write(p: _Partial, offset: int, data: bytes | memoryview) -> None:
    """Writer thread: the bytes, the running hash, and the start of their writeback every few MiB."""
    os.pwrite(p.fd, data, offset)
    if p.hash is not None:
        if offset == p.next:
            p.hash.update(data)
            p.next += len(data)
        else:
            p.hash = None
    p.unflushed += len(data)
    if p.unflushed >= WRITEBACK_BYTES:
        p.unflushed = 0
        if _start_writeback is not None:
            _start_writeback(p.fd, 0, 0)  # 0, 0: the whole file; pages under writeback already are skipped


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.partial = self.root / "partial"
        self.objects = self.root / "sha256"
        self.rejected = self.root / "rejected"
        for d in (self.partial, self.objects, self.rejected):
            d.mkdir(parents=True, exist_ok=True)
        # Partial files stay open across batches (a 100 MB upload is hundreds of batches): `_dirty` is what
        # the next `sync` must fsync, `_created` whether the directory entry needs an fsync too.
        self._open: dict[str, _Partial] = {}
        self._dirty: set[str] = set()
        self._created = False
        self._writer: ThreadPoolExecutor | None = None
        self._pending: deque[tuple[Future[None], int]] = deque()
        self._pending_bytes = 0

    def part_path(self, file_id: str) -> Path:
        """Refuses (`Rejected(bad_id)`) a file id that is not a ULID: it comes from a kit or an app."""
        return inside(self.partial, f"{check_id(file_id, 'ulid', 'file_id')}.part")

    def object_path(self, sha256: str) -> Path:
        check_id(sha256, "sha256", "sha256")
        return inside(self.objects, sha256[:2], sha256)

    def write_chunk(self, file_id: str, offset: int, data: bytes | memoryview,
                    check: Callable[[bytes | memoryview], None] | None = None) -> bool:
        """Queue the bytes for writing at `offset`. `check` (which raises to refuse them) runs first, unless
        the bytes extend the file's running hash: the whole file's hash checks those when it completes.
        Returns whether `check` ran."""
        p = self._open.get(file_id)
        if p is None:
            path = self.part_path(file_id)
            fresh = not path.exists()
            p = _Partial(os.open(path, os.O_WRONLY | os.O_CREAT, 0o640), hashed=fresh)
            if fresh:
                self._created = True
            self._open[file_id] = p
        checked = False
        if p.queued == offset:
            p.queued += len(data)
        else:
            if check is not None:
                check(data)
                checked = True
            p.queued = -1  # the writer drops the running hash at this write too
        self._dirty.add(file_id)
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="media-writer")
        self._pending.append((self._writer.submit(_write, p, offset, data), len(data)))
        self._pending_bytes += len(data)
        while self._pending_bytes > MAX_PENDING_BYTES:
            self._wait_oldest()
        return checked

    def _wait_oldest(self) -> None:
        fut, n = self._pending.popleft()
        self._pending_bytes -= n
        fut.result()

    def drain(self) -> None:
        """Wait for every queued write; re-raise the first that failed (after all have finished)."""
        error: BaseException | None = None
        while self._pending:
            try:
                self._wait_oldest()
            except BaseException as exc:  # noqa: BLE001 - kept, raised once the queue is empty
                error = error or exc
        if error is not None:
            raise error

    def sync(self) -> None:
        """fsync every file written since the last call; called before the chunk rows commit."""
        self.drain()
        for file_id in self._dirty:
            os.fsync(self._open[file_id].fd)
        if self._created:
            fsync_path(self.partial)
            self._created = False
        self._dirty.clear()
        if len(self._open) > MAX_OPEN:  # many kits at once: keep the descriptors bounded
            self.close_all()

    def close(self, file_id: str) -> None:
        p = self._open.pop(file_id, None)
        if p is not None:
            self.drain()
            if file_id in self._dirty:  # never drop written bytes unsynced
                os.fsync(p.fd)
                self._dirty.discard(file_id)
            os.close(p.fd)

    def close_all(self) -> None:
        for file_id in list(self._open):
            self.close(file_id)

    def finish(self, file_id: str, size: int, sha256: str, chunk_size: int = 0,
               chunk_sha256: Callable[[], Mapping[int, str]] | None = None) -> Finished:
        """Verify and move to the content address. When the whole does not match and `chunk_sha256` gives the
        chunks' signed hashes, the chunks that differ are named and the file stays partial (module doc)."""
        self.drain()
        p = self._open.get(file_id)
        running = p.hash if p is not None and p.hash is not None and p.next == size else None
        self.close(file_id)
        part = self.part_path(file_id)
        target = self.object_path(sha256)
        if not part.exists():
            if target.exists():
                return Finished(True, "already stored")
            return Finished(False, "partial file missing")
        if running is not None and os.path.getsize(part) == size:
            digest, total = running.hexdigest(), size
        else:
            h = hashlib.sha256()
            total = 0
            with open(part, "rb") as fh:
                while block := fh.read(1024 * 1024):
                    h.update(block)
                    total += len(block)
            digest = h.hexdigest()
        if total != size or digest != sha256:
            detail = f"reassembled {total} bytes with sha256 {digest}, announced {size} / {sha256}"
            if chunk_sha256 is not None and chunk_size > 0 and total == size:
                bad = _bad_chunks(part, chunk_size, chunk_sha256())
                if bad:
                    return Finished(False, detail, bad)
            aside = self.rejected / part.name
            os.replace(part, aside)
            return Finished(False, detail)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            part.unlink()
        else:
            os.replace(part, target)
            fsync_path(target.parent)
        return Finished(True, "")

    def set_aside(self, sha256: str, file_id: str) -> Path:
        """Move a stored object out of the content-addressed store (refused after its hash verified, e.g. not
        a whole image); kept under rejected/ for inspection."""
        aside = inside(self.rejected, f"{check_id(file_id, 'ulid', 'file_id')}.{sha256[:12]}")
        os.replace(self.object_path(sha256), aside)
        fsync_path(self.rejected)
        return aside

    def put(self, data: bytes) -> str:
        """Store bytes received outside the kit uplink (documents scanned at the counter); returns the hash."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.object_path(digest)
        if not target.exists():
            atomic_write(target, data)
        return digest

    def read(self, sha256: str) -> bytes:
        return self.object_path(sha256).read_bytes()

    def has(self, sha256: str) -> bool:
        return isinstance(sha256, str) and SHA256_RE.fullmatch(sha256) is not None and self.object_path(sha256).exists()


def _bad_chunks(part: Path, chunk_size: int, expected: Mapping[int, str]) -> tuple[int, ...]:
    """The chunks of a partial file whose bytes do not hash to their signed SHA-256 (the rare path: the file's
    own hash failed, so each chunk is read and hashed once more to find which)."""
    bad = []
    with open(part, "rb") as fh:
        for index in sorted(expected):
            fh.seek(index * chunk_size)
            if hashlib.sha256(fh.read(chunk_size)).hexdigest() != expected[index]:
                bad.append(index)
    return tuple(bad)
