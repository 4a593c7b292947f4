"""The hub's media store: background writes, running hash and its fallback give the same verdicts, and each
byte is hashed once: chunks that extend the running hash are not checked on their own."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from hub.ingest.mediastore import Finished, MediaStore

CHUNK = 64 * 1024
F1 = "01JGZ0000000000000000000F1"  # file ids are ULIDs (anything else is refused as a path)


def _chunks(data: bytes) -> list[tuple[int, bytes]]:
    return [(i, data[i : i + CHUNK]) for i in range(0, len(data), CHUNK)]


def _store(tmp_path: Path, data: bytes, order: list[tuple[int, bytes]], sha: str) -> tuple[MediaStore, bool, str]:
    ms = MediaStore(tmp_path / "media")
    for offset, part in order:
        ms.write_chunk(F1, offset, part)
        ms.sync()
    found = ms.finish(F1, len(data), sha)
    return ms, found.ok, found.detail


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
    assert second.finish(F1, len(data), sha) == Finished(True, "")
    assert second.read(sha) == data


class _Checks:
    """The per-chunk check the ingest passes: records which offsets it was asked about, refuses bad bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.asked: list[int] = []

    def at(self, offset: int):  # type: ignore[no-untyped-def]
        def check(chunk: bytes | memoryview) -> None:
            self.asked.append(offset)
            if bytes(chunk) != self.data[offset : offset + len(chunk)]:
                raise ValueError(f"chunk at {offset} does not match")
        return check


def _signed(data: bytes) -> dict[int, str]:
    return {i // CHUNK: hashlib.sha256(part).hexdigest() for i, part in _chunks(data)}


def test_chunks_in_order_are_hashed_only_by_the_file_hash(tmp_path: Path) -> None:
    data = os.urandom(12 * CHUNK + 3)
    sha = hashlib.sha256(data).hexdigest()
    ms, checks = MediaStore(tmp_path / "media"), _Checks(data)
    for offset, part in _chunks(data):
        ms.write_chunk(F1, offset, part, checks.at(offset))
    ms.sync()
    assert checks.asked == []  # no chunk hashed on its own: the running hash covers each byte once
    assert ms.finish(F1, len(data), sha, CHUNK, lambda: _signed(data)).ok


def test_out_of_order_chunks_are_checked_on_arrival(tmp_path: Path) -> None:
    data = os.urandom(6 * CHUNK)
    sha = hashlib.sha256(data).hexdigest()
    parts = _chunks(data)
    ms, checks = MediaStore(tmp_path / "media"), _Checks(data)
    for offset, part in parts[:2] + parts[3:] + parts[2:3]:  # chunk 2 comes last (a resend)
        ms.write_chunk(F1, offset, part, checks.at(offset))
    ms.sync()
    # once the order breaks, every later chunk is checked by itself: the running hash is gone
    assert checks.asked == [3 * CHUNK, 4 * CHUNK, 5 * CHUNK, 2 * CHUNK]
    assert ms.finish(F1, len(data), sha, CHUNK, lambda: _signed(data)).ok


def test_a_corrupt_chunk_stored_in_order_is_found_and_only_it_is_dropped(tmp_path: Path) -> None:
    data = os.urandom(8 * CHUNK + 100)
    sha = hashlib.sha256(data).hexdigest()
    parts = _chunks(data)
    ms, checks = MediaStore(tmp_path / "media"), _Checks(data)
    corrupt = bytearray(parts[5][1])
    corrupt[7] ^= 0x01  # one bit, as a bad card or a buggy sender would
    for offset, part in parts:
        ms.write_chunk(F1, offset, bytes(corrupt) if offset == 5 * CHUNK else part, checks.at(offset))
    ms.sync()
    found = ms.finish(F1, len(data), sha, CHUNK, lambda: _signed(data))
    assert (found.ok, found.bad_chunks) == (False, (5,))
    assert ms.part_path(F1).exists()  # the seven good chunks are kept, not set aside
    with_bad = list(checks.asked)
    offset, part = parts[5]
    ms.write_chunk(F1, offset, part, checks.at(offset))  # sent again: checked by itself this time
    ms.sync()
    assert checks.asked == [*with_bad, 5 * CHUNK]
    assert ms.finish(F1, len(data), sha, CHUNK, lambda: _signed(data)) == Finished(True, "")
    assert ms.read(sha) == data


def test_a_wrong_file_hash_with_every_chunk_right_sets_the_file_aside(tmp_path: Path) -> None:
    data = os.urandom(4 * CHUNK)
    ms = MediaStore(tmp_path / "media")
    for offset, part in _chunks(data):
        ms.write_chunk(F1, offset, part)
    ms.sync()
    found = ms.finish(F1, len(data), hashlib.sha256(b"other").hexdigest(), CHUNK, lambda: _signed(data))
    assert not found.ok and found.bad_chunks == () and "announced" in found.detail
    assert not ms.part_path(F1).exists() and (ms.rejected / ms.part_path(F1).name).exists()
