"""Searching an export through its SQLite view: by resident ID number, name, phone, address (prefix),
area, locksmith, unit, kit, order, kind and time range. Every criterion is an indexed lookup."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from hub.police import index as idx
from hub.police import layout
from hub.police.keys_index import normalise

PREFIX_FIELDS = ("address", "name")


@dataclass(frozen=True)
class Query:
    resident_id: str | None = None
    name: str | None = None
    phone: str | None = None
    address: str | None = None
    area: str | None = None
    locksmith: str | None = None
    unit: str | None = None
    kit: str | None = None
    order: str | None = None
    kind: str | None = None
    since_ms: int | None = None
    until_ms: int | None = None
    limit: int = 200

    def key_criteria(self) -> list[tuple[str, str]]:
        out = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("kind", "since_ms", "until_ms", "limit") or value is None:
                continue
            out.append((f.name, normalise(f.name, str(value))))
        return out


@dataclass(frozen=True)
class Hit:
    seq: int
    created_ms: int
    kind: str
    entity_id: str
    order_id: str | None
    file: str
    line: int
    data: dict[str, Any]
    media: list[dict[str, Any]]


def open_view(root: Path) -> sqlite3.Connection:
    path = Path(root) / layout.INDEX
    if not path.exists():
        from hub.police.views import rebuild_index

        rebuild_index(Path(root))
    return idx.open_index(path)


def run_query(conn: sqlite3.Connection, q: Query) -> list[Hit]:
    return [
        Hit(seq=r["seq"], created_ms=r["created_ms"], kind=r["kind"], entity_id=r["entity_id"],
            order_id=r["order_id"], file=r["file"], line=r["line"], data=json.loads(r["data_json"]),
            media=json.loads(r["media_json"]))
        for r in idx.search(conn, q.key_criteria(), prefix_fields=PREFIX_FIELDS, kind=q.kind, since_ms=q.since_ms,
                            until_ms=q.until_ms, limit=q.limit)
    ]
