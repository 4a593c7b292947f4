"""Reassembling media at the hub: chunks written in place and fsynced before their rows commit; a
complete file is verified against its announced SHA-256 and moved to its content address."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def ranges(indices: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for i in sorted(indices):
        if out and i == out[-1][1] + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


MAX_OPEN = 64


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
        self._open: dict[str, int] = {}
        self._dirty: set[str] = set()
        self._created = False

    def part_path(self, file_id: str) -> Path:
        return self.partial / f"{file_id}.part"

    def object_path(self, sha256: str) -> Path:
        return self.objects / sha256[:2] / sha256

    def write_chunk(self, file_id: str, offset: int, data: bytes) -> None:
        fd = self._open.get(file_id)
        if fd is None:
            path = self.part_path(file_id)
            if not path.exists():
                self._created = True
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o640)
            self._open[file_id] = fd
        os.pwrite(fd, data, offset)
        self._dirty.add(file_id)

    def sync(self) -> None:
        """fsync every file written since the last call; called before the chunk rows commit."""
        for file_id in self._dirty:
            os.fsync(self._open[file_id])
        if self._created:
            _fsync_dir(self.partial)
            self._created = False
        self._dirty.clear()
        if len(self._open) > MAX_OPEN:  # many kits at once: keep the descriptors bounded
            self.close_all()

    def close(self, file_id: str) -> None:
        fd = self._open.pop(file_id, None)
        if fd is not None:
            if file_id in self._dirty:  # never drop written bytes unsynced
                os.fsync(fd)
                self._dirty.discard(file_id)
            os.close(fd)

    def close_all(self) -> None:
        for file_id in list(self._open):
            self.close(file_id)

    def finish(self, file_id: str, size: int, sha256: str) -> tuple[bool, str]:
        """Verify and move to the content address. Returns (ok, detail)."""
        self.close(file_id)
        part = self.part_path(file_id)
        target = self.object_path(sha256)
        if not part.exists():
            if target.exists():
                return True, "already stored"
            return False, "partial file missing"
        h = hashlib.sha256()
        total = 0
        with open(part, "rb") as fh:
            while block := fh.read(1024 * 1024):
                h.update(block)
                total += len(block)
        if total != size or h.hexdigest() != sha256:
            aside = self.rejected / part.name
            os.replace(part, aside)
            return False, f"reassembled {total} bytes with sha256 {h.hexdigest()}, announced {size} / {sha256}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            part.unlink()
        else:
            os.replace(part, target)
            _fsync_dir(target.parent)
        return True, ""

    def read(self, sha256: str) -> bytes:
        return self.object_path(sha256).read_bytes()

    def has(self, sha256: str) -> bool:
        return self.object_path(sha256).exists()
