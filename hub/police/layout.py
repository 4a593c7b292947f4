"""Where things live in an export directory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

RECORDS = "records"
STATE = "chain.json"
MANIFEST = "manifest.json"
CHECKPOINTS = "checkpoints.jsonl"
INDEX = "views.sqlite"
CSV = "records.csv"
QUARANTINE = "quarantine.jsonl"
RECOVERED = "recovered"
CASES = "cases"
ACCESS = "access.jsonl"  # who queried or opened what (hub/police/access_log.py)
ACCESS_LOCK = ".access.lock"


def day_of(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).strftime("%Y-%m-%d")


def day_file(day: str) -> str:
    return f"{RECORDS}/{day}.jsonl"


def record_files(root: Path) -> list[Path]:
    folder = root / RECORDS
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == ".jsonl")
