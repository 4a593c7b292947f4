"""Backing up and restoring a hub: the database online, the secrets, and the media store by manifest.

    DEST/BACKUP.json          what this is: format, release, hub id, when, the database's SHA-256
    DEST/hub.db               SQLite online backup API: a consistent copy while the hub keeps writing
    DEST/hub.toml, keys/, pki/, broker/passwd, broker/acl.d/   settings and secrets (0600 / 0700)
    DEST/media-manifest.json  every object of the content-addressed media store: sha256 and size
    DEST/media/sha256/..      the objects themselves (unless --no-media), copied incrementally

The hub's escrow ledger, orders and police chain are in hub.db; evidence files are in the media store under
their SHA-256, so the manifest is a complete statement of what a restore must bring back, and a restore
re-hashes every object it installs. Without the keys a restored hub could not sign what kits pin, and
without broker/passwd no kit could log in: they are part of the backup, which is therefore a secret itself.

This module is part of the storage layer (it knows the hub database is SQLite, like hub/db.py). A hub on
PostgreSQL backs its database up with pg_dump instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hub.home import HubHome
from protocol.durable import fsync_path

FORMAT = 1
SECRET_FILES = ("hub.toml", "broker/passwd")
SECRET_DIRS = ("keys", "pki", "broker/acl.d")


class BackupError(Exception):
    """A backup or restore that cannot be done as asked; the message says why, for the operator."""


@dataclass
class BackupResult:
    dest: Path
    db_bytes: int
    media_objects: int
    media_bytes: int
    media_copied: int


@dataclass
class RestoreResult:
    dir: Path
    media_restored: int = 0
    media_missing: list[str] = field(default_factory=list)
    media_corrupt: list[str] = field(default_factory=list)
    set_aside: Path | None = None

    @property
    def complete(self) -> bool:
        return not self.media_missing and not self.media_corrupt


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _objects(media: Path) -> Iterator[tuple[str, Path]]:
    root = media / "sha256"
    if not root.is_dir():
        return
    for sub in sorted(root.iterdir()):
        if sub.is_dir():
            for obj in sorted(sub.iterdir()):
                if obj.is_file() and len(obj.name) == 64:
                    yield obj.name, obj


def _copy_secret(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = dst.with_name(dst.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
        shutil.copyfileobj(inp, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, dst)


def _copy_secrets(src_root: Path, dst_root: Path) -> None:
    for name in SECRET_FILES:
        if (src_root / name).is_file():
            _copy_secret(src_root / name, dst_root / name)
    for name in SECRET_DIRS:
        folder = src_root / name
        if folder.is_dir():
            for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".tmp")):
                _copy_secret(path, dst_root / name / path.relative_to(folder))


def _online_copy(src: Path, dst: Path) -> None:
    """SQLite's online backup: pages copied in steps, restarted by SQLite if the hub writes meanwhile, so the
    copy is one consistent state of the database (WAL content included)."""
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(tmp)
    try:
        source.backup(target, pages=4096)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()
        source.close()
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, dst)


def backup(home: HubHome, dest: Path, *, media: bool = True, now_ms: int | None = None) -> BackupResult:
    settings = home.settings()
    if home.database() != home.db_path():
        raise BackupError("the hub database is on PostgreSQL: back it up with pg_dump or the server's own"
                          " backups (docs/install.md, \"PostgreSQL backend\"); `hub backup` copies an SQLite hub")
    db = home.db_path()
    if not db.is_file():
        raise BackupError(f"{db}: no hub database to back up")
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(dest, 0o700)
    _online_copy(db, dest / "hub.db")
    os.chmod(dest / "hub.db", 0o600)
    _copy_secrets(home.dir, dest)
    objects, total, copied = [], 0, 0
    for sha, path in _objects(home.media_path()):
        size = path.stat().st_size
        objects.append({"sha256": sha, "size": size})
        total += size
        if media:
            target = dest / "media" / "sha256" / sha[:2] / sha
            if not (target.is_file() and target.stat().st_size == size):  # content-addressed: same name, same bytes
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target.with_name(sha + ".tmp"))
                os.replace(target.with_name(sha + ".tmp"), target)
                copied += 1
    manifest = {"format": FORMAT, "objects": objects, "count": len(objects), "bytes": total}
    (dest / "media-manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    info = {"format": FORMAT, "lockwarden": _release(), "hub_id": settings.hub_id,
            "created_ms": now_ms if now_ms is not None else int(time.time() * 1000),
            "database": "hub.db", "db_sha256": _sha256_file(dest / "hub.db"), "media_copied": media}
    (dest / "BACKUP.json").write_text(json.dumps(info, indent=1) + "\n")
    fsync_path(dest)
    return BackupResult(dest, (dest / "hub.db").stat().st_size, len(objects), total, copied)


def _release() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lockwarden")
    except PackageNotFoundError:
        return "unknown"


def _check_db(path: Path) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a database: {exc}") from exc
    finally:
        conn.close()
    if [r[0] for r in rows] != ["ok"]:
        raise BackupError(f"{path}: integrity check failed: {'; '.join(str(r[0]) for r in rows[:5])}")


def restore(src: Path, directory: Path, *, media_from: Path | None = None, force: bool = False,
            now_ms: int | None = None) -> RestoreResult:
    """Install the backup in `src` as the hub directory `directory` (stopped hub). An existing hub there is
    refused unless `force`, and then moved aside whole into `directory/replaced-<ms>/`, never deleted."""
    info_path = src / "BACKUP.json"
    if not info_path.is_file():
        raise BackupError(f"{src}: no BACKUP.json: not a Lockwarden hub backup")
    info = json.loads(info_path.read_text())
    if info.get("format") != FORMAT:
        raise BackupError(f"{src}: backup format {info.get('format')}, this release reads {FORMAT}")
    if _sha256_file(src / "hub.db") != info["db_sha256"]:
        raise BackupError(f"{src}/hub.db: does not match the SHA-256 recorded when it was made")
    _check_db(src / "hub.db")
    result = RestoreResult(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    existing = [p for p in directory.iterdir() if not p.name.startswith("replaced-")]
    if existing:
        if not force:
            raise BackupError(f"{directory}: not empty ({', '.join(sorted(p.name for p in existing)[:5])}); "
                              "give --force to move what is there aside and restore")
        aside = directory / f"replaced-{now_ms if now_ms is not None else int(time.time() * 1000)}"
        aside.mkdir(mode=0o700)
        for p in existing:
            os.replace(p, aside / p.name)
        result.set_aside = aside
    _copy_secrets(src, directory)
    home = HubHome(directory)
    db = home.db_path()
    db.parent.mkdir(parents=True, exist_ok=True)
    _online_copy(src / "hub.db", db)
    os.chmod(db, 0o600)
    manifest = json.loads((src / "media-manifest.json").read_text())
    origin = (media_from or src / "media")
    store = home.media_path() / "sha256"
    for obj in manifest["objects"]:
        sha, size = obj["sha256"], obj["size"]
        source = origin / "sha256" / sha[:2] / sha
        if not source.is_file():
            result.media_missing.append(sha)
            continue
        target = store / sha[:2] / sha
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(sha + ".tmp")
        shutil.copyfile(source, tmp)
        if tmp.stat().st_size != size or _sha256_file(tmp) != sha:
            tmp.unlink()
            result.media_corrupt.append(sha)
            continue
        os.replace(tmp, target)
        result.media_restored += 1
    fsync_path(directory)
    return result
