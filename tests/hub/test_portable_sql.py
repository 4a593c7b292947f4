"""The hub's SQL is one dialect that both backends take (hub/db). Every complete SQL statement written as a
literal in hub/ is PREPAREd on a migrated PostgreSQL database: a SQLite-only spelling (a numbered `?1`,
sum() over a comparison, a subquery without an alias, `INSERT OR IGNORE`, an unknown function or column)
fails here in a second, not in the middle of a kit's sync. Statements assembled at run time (f-strings,
`+`) are covered by the tests that run them on both backends."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from hub.db import Postgres, connect
from hub.db.postgresql import translate

ROOT = Path(__file__).resolve().parents[2]
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)
# The police export's own SQLite files (hub/police) and the storage layer itself are not the hub database.
OUTSIDE = ("hub/police/", "hub/db/")


def statements() -> list[tuple[str, str]]:
    """(where, sql) for every string literal in hub/ that is a whole SQL statement by itself."""
    found = []
    for path in sorted((ROOT / "hub").rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        if rel.startswith(OUTSIDE):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parts = {id(n.left) for n in ast.walk(tree) if isinstance(n, ast.BinOp)} | \
                {id(n.right) for n in ast.walk(tree) if isinstance(n, ast.BinOp)} | \
                {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts \
                    and SQL.match(node.value):
                found.append((f"{rel}:{node.lineno}", node.value))
    return found


def _numbered(sql: str) -> str:
    """psycopg's placeholders as PREPARE's $1, $2, ... (types left to PostgreSQL to infer)."""
    count = iter(range(1, 10_000))
    return re.sub(r"%s|%\(\w+\)s", lambda m: f"${next(count)}", translate(sql)).replace("%%", "%")


def test_there_is_sql_to_check() -> None:
    assert len(statements()) > 200


def test_every_hub_statement_prepares_on_postgresql(pg_database: Postgres) -> None:
    conn = connect(pg_database)
    failures = []
    try:
        for where, sql in statements():
            try:
                conn.raw.execute(f"PREPARE chk AS {_numbered(sql)}".encode(), prepare=False)
                conn.raw.execute(b"DEALLOCATE chk", prepare=False)
            except Exception as exc:  # noqa: BLE001 - every failure is reported, not just the first
                failures.append(f"{where}: {str(exc).splitlines()[0]}")
    finally:
        conn.close()
    assert failures == []


@pytest.mark.parametrize("sql, expected", [
    ("SELECT * FROM t WHERE a = ? AND b LIKE 'x%'", "SELECT * FROM t WHERE a = %s AND b LIKE 'x%%'"),
    ("SELECT :lat, ':not' FROM t WHERE x::text = :lon", "SELECT %(lat)s, ':not' FROM t WHERE x::text = %(lon)s"),
    ("SELECT '?' , \"?\" -- ?\n FROM t WHERE a = ?", "SELECT '?' , \"?\" -- ?\n FROM t WHERE a = %s"),
    ("BEGIN IMMEDIATE", "BEGIN"),
])
def test_parameters_are_translated_outside_literals(sql: str, expected: str) -> None:
    assert translate(sql) == expected


def test_numbered_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="numbered parameter"):
        translate("SELECT * FROM t WHERE a = ?1")
