"""The hub's media store: background writes, running hash and its fallback give the same verdicts."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from hub.ingest.mediastore import MediaStore

CHUNK = 64 * 1024
F1 = "01JGZ0000000000000000000F1"  # file ids are ULIDs (anything else is refused as a path)


def _chunks(data: bytes) -> list[tuple[int, bytes]]:
    return [(i, data[i : i + CHUNK]) for i in range(0, len(data), CHUNK)]


def _store(tmp_path: Path, data: bytes, order: list[tuple[int, bytes]], sha: str) -> tuple[MediaStore, bool, str]:
    ms = MediaStore(tmp_path / "media")
    for offset, part in order:
        ms.write_chunk(F1, offset, part)
        ms.sync()
    ok, detail = ms.finish(F1, len(data), sha)
    return ms, ok, detail


def test_in_order_upload_verifies_from_the_running_hash(tmp_path: Path) -> None:
    data = os.urandom(5 * 1024 * 1024 + 17)  # past the early-writeback threshold
    sha = hashlib.sha256(data).hexdigest()
    ms, ok, _ = _store(tmp_path, data, _chunks(data), sha)
    assert ok and ms.read(sha) == data


def test_out_of_order_and_rewritten_chunks_fall_back_to_hashing_the_file(tmp_path: Path) -> None:
    data = os.urandom(20 * CHUNK + 5)
    sha = hashlib.sha256(data).hexdigest()
    parts = _chunks(data)
    order = parts[:3] + [parts[1]] + parts[5:] + parts[3:5]
    ms, ok, _ = _store(tmp_path, data, order, sha)
    assert ok and ms.read(sha) == data


def test_wrong_announced_hash_is_rejected_either_way(tmp_path: Path) -> None:
    data = os.urandom(10 * CHUNK)
    bad = hashlib.sha256(b"other").hexdigest()
    _ms, ok, detail = _store(tmp_path / "a", data, _chunks(data), bad)
    assert not ok and "announced" in detail
    _ms, ok, detail = _store(tmp_path / "b", data, list(reversed(_chunks(data))), bad)
    assert not ok and "announced" in detail


def test_reopened_partial_file_is_hashed_from_disk(tmp_path: Path) -> None:
    data = os.urandom(8 * CHUNK)
    sha = hashlib.sha256(data).hexdigest()
    parts = _chunks(data)
    first = MediaStore(tmp_path / "media")
    for offset, part in parts[:4]:
        first.write_chunk(F1, offset, part)
    first.sync()
    first.close_all()  # a hub restart: the running hash is gone, the bytes are on disk
    second = MediaStore(tmp_path / "media")
    for offset, part in parts[4:]:
        second.write_chunk(F1, offset, part)
    second.sync()
    assert second.finish(F1, len(data), sha) == (True, "")
    assert second.read(sha) == data
