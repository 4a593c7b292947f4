"""`manifest.json`: the chain heads of an export, vouched for by the hub's signed checkpoint.

The police side never holds the hub's private key, so the manifest is not signed by the writer. It
embeds the latest `police.checkpoint` envelope exactly as the hub signed it (seq + head hash of the very
chain the export holds); police-verify checks that signature with the hub's public key and recomputes
the chain up to that seq. The per-file heads and counts beside it are derived and checked the same way.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hub.police import index as idx
from hub.police import layout
from protocol.durable import atomic_write
from protocol.keys import b64

FORMAT = 1


def last_checkpoint(root: Path) -> dict[str, Any] | None:
    path = root / layout.CHECKPOINTS
    if not path.exists():
        return None
    best: dict[str, Any] | None = None
    for line in path.read_bytes().splitlines():
        try:
            env = msgspec.json.decode(line)
        except msgspec.DecodeError:
            continue
        if best is None or env["body"]["seq"] >= best["body"]["seq"]:
            best = env
    return best


def manifest_hub_key(root: Path) -> str | None:
    """The hub key the manifest names: for comparing with a pinned fingerprint only, never trusted alone."""
    try:
        value = msgspec.json.decode((Path(root) / layout.MANIFEST).read_bytes())
    except (OSError, msgspec.DecodeError):
        return None
    key = value.get("hub_key") if isinstance(value, dict) else None
    return key if isinstance(key, str) else None


def write_manifest(root: Path, index: sqlite3.Connection, seq: int, head: str, hub_key: Ed25519PublicKey,
                   now_ms: int) -> None:
    media_dir = root / "media"
    media = sum(1 for p in media_dir.glob("[0-9a-f][0-9a-f]/*") if p.is_file()) if media_dir.is_dir() else 0
    manifest = {
        "format": FORMAT,
        "hub_key": b64(hub_key.public_bytes(Encoding.Raw, PublicFormat.Raw)),
        "head": {"seq": seq, "hash": head},
        "files": idx.file_heads(index),
        "media_files": media,
        "checkpoint": last_checkpoint(root),
        "written_ms": now_ms,
    }
    atomic_write(root / layout.MANIFEST, msgspec.json.format(msgspec.json.encode(manifest), indent=1) + b"\n")
