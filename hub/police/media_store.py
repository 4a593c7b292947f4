"""Media in the police export, stored by SHA-256 (`media/ab/abcdef...`), assembled from hashed chunks.

Chunks are kept durably under `media/.partial/<sha>/` until the file is whole and its hash checks; only
then is it moved into place, so a file under `media/` is always complete.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from pathlib import Path

from protocol.durable import atomic_write, fsync_path
from protocol.messages.police import PoliceMedia

SHA_RE = re.compile(r"^[0-9a-f]{64}$")


class MediaError(ValueError):
    pass


def media_path(root: Path, sha256: str) -> Path:
    return root / "media" / sha256[:2] / sha256


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.partial = root / "media" / ".partial"

    def has(self, sha256: str) -> bool:
        # the hash comes from a record: data, never a path (a non-hash is simply not held)
        return isinstance(sha256, str) and SHA_RE.match(sha256) is not None and media_path(self.root, sha256).is_file()

    def chunks_held(self, sha256: str) -> list[int]:
        folder = self.partial / sha256
        if not folder.is_dir():
            return []
        return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit())

    def pending(self) -> dict[str, list[int]]:
        if not self.partial.is_dir():
            return {}
        return {p.name: self.chunks_held(p.name) for p in self.partial.iterdir() if SHA_RE.match(p.name)}

    def put_chunk(self, chunk: PoliceMedia) -> bool:
        """Store one chunk durably; returns True once the whole file is in place."""
        if not SHA_RE.match(chunk.sha256) or not 0 <= chunk.index < chunk.chunks:
            raise MediaError(f"bad media chunk {chunk.sha256[:16]} #{chunk.index}")
        if self.has(chunk.sha256):
            return True
        data = base64.b64decode(chunk.data, validate=True)
        if hashlib.sha256(data).hexdigest() != chunk.chunk_sha256:
            raise MediaError(f"chunk {chunk.index} of {chunk.sha256[:16]} does not match its hash")
        folder = self.partial / chunk.sha256
        atomic_write(folder / f"{chunk.index:06d}", data)
        if len(self.chunks_held(chunk.sha256)) < chunk.chunks:
            return False
        return self._assemble(chunk.sha256, chunk.chunks, chunk.size)

    def put_bytes(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        if not self.has(sha):
            atomic_write(media_path(self.root, sha), data)
        return sha

    def _assemble(self, sha256: str, chunks: int, size: int) -> bool:
        folder = self.partial / sha256
        parts = [(folder / f"{i:06d}").read_bytes() for i in range(chunks)]
        data = b"".join(parts)
        if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
            # A chunk set that does not add up is discarded whole; the hub resends it.
            shutil.rmtree(folder, ignore_errors=True)
            raise MediaError(f"media {sha256[:16]} does not match its hash after assembly")
        atomic_write(media_path(self.root, sha256), data)
        shutil.rmtree(folder, ignore_errors=True)
        fsync_path(self.partial)
        return True
