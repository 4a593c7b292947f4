"""Derived views for analysts: rebuilding the SQLite index from the chain files, and `records.csv`."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

from hub.police import index as idx
from hub.police import layout
from hub.police.reader import iter_entries


def rebuild_index(root: Path) -> int:
    path = root / layout.INDEX
    if path.exists():
        path.unlink()
    conn = idx.open_index(path)
    batch: list[idx.IndexRow] = []
    count = 0
    for item in iter_entries(root):
        batch.append(idx.IndexRow.from_entry(item.env, seq=item.seq, hash=item.hash, file=item.file, line=item.line))
        if len(batch) >= 10000:
            idx.add_rows(conn, batch)
            count += len(batch)
            batch = []
    idx.add_rows(conn, batch)
    conn.close()
    return count + len(batch)


def iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).isoformat(timespec="seconds")


def write_csv(root: Path, out: Path | None = None) -> Path:
    """records.csv: one row per entry (spreadsheet users); written to a temp file and renamed."""
    out = out or root / layout.CSV
    tmp = out.with_name(out.name + ".tmp")
    conn = idx.open_index(root / layout.INDEX)
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens UTF-8 Chinese correctly
        w = csv.writer(fh)
        w.writerow(["seq", "created_utc", "kind", "entity_id", "order_id", "file", "line", "data_json",
                    "media_json", "hash"])
        for r in idx.entries(conn):
            w.writerow([r["seq"], iso(r["created_ms"]), r["kind"], r["entity_id"], r["order_id"] or "",
                        r["file"], r["line"], r["data_json"], r["media_json"], r["hash"]])
    conn.close()
    os.replace(tmp, out)
    return out
