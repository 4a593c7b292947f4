"""Durable-file helpers shared by the kit, the hub and the police export: what is acknowledged or
reported as saved has reached the disk, directory entry included."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_path(path: Path) -> None:
    """fsync a file or a directory (a rename or a new file is durable only once its directory is)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)



def atomic_write(path: Path, data: bytes) -> None:
    """Write a whole file so a crash leaves either the old or the new content, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        _write_all(fd, data)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)  # a full disk leaves no half-written temporary behind
        raise
    os.close(fd)
    os.replace(tmp, path)
    fsync_path(path.parent)


def append_durably(path: Path, data: bytes) -> int:
    """Append and fsync; returns the file size before the append (where this data starts). A failed append
    (disk full half-way, I/O error) is cut back off, so the file ends where it did: all or nothing."""
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        start = os.fstat(fd).st_size
        try:
            _write_all(fd, data)
        except BaseException:
            truncate_quietly(fd, start)
            raise
    finally:
        os.close(fd)
    if created:
        fsync_path(path.parent)
    return start


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)


def truncate_to(path: Path, size: int) -> None:
    """Cut a file back to `size` bytes and make that durable (shrinking needs no free space)."""
    fd = os.open(path, os.O_WRONLY)
    try:
        if os.fstat(fd).st_size > size:
            os.ftruncate(fd, size)
            os.fsync(fd)
    finally:
        os.close(fd)


def truncate_quietly(fd: int, size: int) -> None:
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    except OSError:
        pass  # the reader's recovery cuts a torn tail at the recorded offset all the same
