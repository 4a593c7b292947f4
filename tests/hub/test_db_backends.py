"""The connection protocol store code relies on behaves the same on SQLite and PostgreSQL (hub/db): rows by
name and position, Python values in and out as SQLite gives them, and the one unit of work (`Tx`) with its
savepoints and kept refusals."""

from __future__ import annotations

import pytest

from hub.db import Database, DatabaseError, IntegrityError, Tx, dialect, open_hub_db, read_snapshot


class Refused(Exception):
    pass


@pytest.fixture
def conn(hub_database: Database):  # type: ignore[no-untyped-def]
    c = open_hub_db(hub_database)
    # Type names both take (SQLite: integer, real and, by affinity, blob-preserving storage).
    c.execute("CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT NOT NULL, x DOUBLE PRECISION, b BYTEA)")
    yield c
    c.close()


def test_rows_and_values_come_back_as_sqlite_gives_them(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute("INSERT INTO t(k, n, x, b) VALUES (?, ?, ?, ?)", ("a", True, 1.5, b"\x00\xff"))
    conn.execute("INSERT INTO t(k, n, x, b) VALUES (:k, :n, :x, :b)", {"k": "b", "n": 2, "x": None, "b": None})
    row = conn.execute("SELECT k, n AS Count, x, b FROM t WHERE k = ?", ("a",)).fetchone()
    assert (row[0], row["k"], row["count"], row["Count"]) == ("a", "a", 1, 1)  # names case-insensitive
    assert dict(row) == {"k": "a", "count" if dialect(conn) == "postgresql" else "Count": 1, "x": 1.5,
                         "b": b"\x00\xff"}
    assert tuple(row) == ("a", 1, 1.5, b"\x00\xff")
    total = conn.execute("SELECT sum(n), count(*) FROM t WHERE k LIKE 'a%' OR k = 'b'").fetchone()
    assert total[0] == 3 and type(total[0]) is int and total[1] == 2  # money sums stay ints
    assert conn.execute("SELECT k FROM t WHERE n = ?", (True,)).fetchone()["k"] == "a"


def test_returning_replaces_lastrowid(conn) -> None:  # type: ignore[no-untyped-def]
    first = conn.execute("INSERT INTO police_feed(kind, entity_id, body_json, created_ms) VALUES ('k', 'e', '{}', 1)"
                         " RETURNING seq").fetchone()[0]
    second = conn.execute("INSERT INTO police_feed(kind, entity_id, body_json, created_ms) VALUES ('k', 'e', '{}', 2)"
                          " RETURNING seq").fetchone()[0]
    assert second == first + 1


def test_tx_commits_rolls_back_and_nests_as_savepoints(conn) -> None:  # type: ignore[no-untyped-def]
    with Tx(conn):
        assert conn.in_transaction
        conn.execute("INSERT INTO t(k, n) VALUES ('kept', 1)")
        with pytest.raises(Refused), Tx(conn):  # a step that fails undoes only itself
            conn.execute("INSERT INTO t(k, n) VALUES ('undone', 1)")
            raise Refused
        with pytest.raises(Refused), Tx(conn, keep=(Refused,)):  # a refusal whose writes must stay
            conn.execute("INSERT INTO t(k, n) VALUES ('recorded', 1)")
            raise Refused
    assert not conn.in_transaction
    assert [r[0] for r in conn.execute("SELECT k FROM t ORDER BY k")] == ["kept", "recorded"]
    with pytest.raises(Refused), Tx(conn):
        conn.execute("INSERT INTO t(k, n) VALUES ('gone', 1)")
        raise Refused
    assert conn.execute("SELECT count(*) FROM t WHERE k = 'gone'").fetchone()[0] == 0


def test_a_failed_statement_is_undone_by_its_savepoint_and_the_rest_commits(conn) -> None:  # type: ignore[no-untyped-def]
    # On PostgreSQL an error aborts the whole transaction unless a savepoint catches it: Tx is that savepoint.
    with Tx(conn):
        conn.execute("INSERT INTO t(k, n) VALUES ('one', 1)")
        with pytest.raises(IntegrityError), Tx(conn):
            conn.execute("INSERT INTO t(k, n) VALUES ('one', 2)")
        conn.execute("INSERT INTO t(k, n) VALUES ('two', 2)")
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 2


def test_the_ledger_refuses_changes_on_both(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute("INSERT INTO ledger_transfers(key, kind, actor, created_ms) VALUES ('k', 'x', 'a', 0)")
    with pytest.raises(DatabaseError, match="append-only"):
        conn.execute("DELETE FROM ledger_transfers")


def test_a_read_snapshot_writes_nothing(conn) -> None:  # type: ignore[no-untyped-def]
    with read_snapshot(conn):
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    assert not conn.in_transaction
