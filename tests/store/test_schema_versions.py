"""Kit store and job state upgrades: from every shipped schema version to the newest, data kept.

The version 1 fixtures (fixtures/*_v1.sql) are the schemas exactly as the first releases created them, frozen
here as copies (not read from the migrations), with rows as a kit left them; a later change to
`migrations/001_initial.sql` therefore shows up as a failing upgrade instead of passing silently.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from edge.identity import KitIdentity
from edge.job.state import MIGRATIONS as JOB_MIGRATIONS
from edge.job.state import JobDB
from edge.store import KitStore
from edge.store.opening import MIGRATIONS as STORE_MIGRATIONS
from edge.store.schema_version import Migration, SchemaTooNew, upgrade, version
from protocol.clock import FakeClock
from protocol.keys import SealingKey, SigningKey

FIXTURES = Path(__file__).parent / "fixtures"


def _store(data: Path) -> KitStore:
    kit_key, hub_key, hub_seal = SigningKey.generate(), SigningKey.generate(), SealingKey.generate()
    ident = KitIdentity("kit-x", kit_key, hub_key.private.public_key(), hub_seal.private.public_key())
    return KitStore(data, ident, FakeClock(), free_bytes=lambda _p: 10**12)


def _v1(path: Path, fixture: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / fixture).read_text(encoding="utf-8"))
    conn.close()


def _schema(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
                        "ORDER BY name").fetchall()
    conn.close()
    return [(n, " ".join(s.replace("IF NOT EXISTS ", "").split())) for n, s in rows]


def test_unversioned_v1_kit_store_upgrades_keeping_its_backlog(tmp_path: Path) -> None:
    _v1(tmp_path / "data" / "kit.db", "kit_v1.sql")
    store = _store(tmp_path / "data")
    assert version(store.conn) == STORE_MIGRATIONS[-1].version
    assert store.set_aside is None  # an old file is upgraded, never taken for a corrupt one
    pending = store.pending_records()
    assert [(p[0], p[3]) for p in pending] == [(6, b"{}")]
    assert [f.file_id for f in store.pending_files()] == ["f-1"]
    assert [r.id for r in store.records_for_order("o-1")] == ["01J00000000000000000000009",
                                                              "01J0000000000000000000000A"]
    nxt = store.add_record("job.next", {})
    assert nxt.seq > 7  # the sequence continues above what the old release handed out
    store.close()
    fresh = tmp_path / "fresh"
    _store(fresh).close()
    assert _schema(tmp_path / "data" / "kit.db") == _schema(fresh / "kit.db")


def test_unversioned_v1_job_db_upgrades_keeping_the_job(tmp_path: Path) -> None:
    _v1(tmp_path / "job.db", "job_v1.sql")
    db = JobDB(tmp_path / "job.db")
    assert version(db.conn) == JOB_MIGRATIONS[-1].version
    row = db.get("o-1")
    assert row is not None and row.step.value == "arrived" and row.info == {"distance_m": 12.5}
    assert row.code_attempts == 1
    db.close()
    JobDB(tmp_path / "fresh.db").close()
    assert _schema(tmp_path / "job.db") == _schema(tmp_path / "fresh.db")


@pytest.mark.parametrize("migrations", [STORE_MIGRATIONS, JOB_MIGRATIONS], ids=["kit.db", "job.db"])
def test_every_shipped_version_upgrades_to_the_newest_schema(tmp_path: Path, migrations: list[Migration]) -> None:
    newest = tmp_path / "newest.db"
    conn = sqlite3.connect(newest, isolation_level=None)
    upgrade(conn, migrations, label="newest", v1_table="-")
    conn.close()
    for shipped in range(1, len(migrations) + 1):
        path = tmp_path / f"v{shipped}.db"
        conn = sqlite3.connect(path, isolation_level=None)
        upgrade(conn, migrations[:shipped], label=path.name, v1_table="-")
        assert version(conn) == shipped
        applied = upgrade(conn, migrations, label=path.name, v1_table="-")
        assert applied == [m.name for m in migrations[shipped:]]
        assert version(conn) == len(migrations)
        assert upgrade(conn, migrations, label=path.name, v1_table="-") == []  # idempotent
        conn.close()
        assert _schema(path) == _schema(newest)


def _dump(path: Path) -> tuple[int, list[str]]:
    conn = sqlite3.connect(path)
    out = (version(conn), list(conn.iterdump()))
    conn.close()
    return out


def test_a_store_from_a_newer_release_is_refused_and_left_untouched(tmp_path: Path) -> None:
    _v1(tmp_path / "data" / "kit.db", "kit_v1.sql")
    conn = sqlite3.connect(tmp_path / "data" / "kit.db")
    conn.execute(f"PRAGMA user_version = {STORE_MIGRATIONS[-1].version + 1}")
    conn.close()
    before = _dump(tmp_path / "data" / "kit.db")
    with pytest.raises(SchemaTooNew) as exc:
        _store(tmp_path / "data")
    assert "kit.db" in str(exc.value)
    assert _dump(tmp_path / "data" / "kit.db") == before
    assert not (tmp_path / "data" / "corrupt").exists()


def test_a_failing_migration_leaves_the_previous_version_whole(tmp_path: Path) -> None:
    migrations = [Migration(1, "001_a.sql", "CREATE TABLE a (x INTEGER);"),
                  Migration(2, "002_b.sql", "CREATE TABLE b (y INTEGER);\nINSERT INTO nosuch VALUES (1);")]
    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        upgrade(conn, migrations, label="t.db", v1_table="-")
    assert version(conn) == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"a"}  # 002's first statement was rolled back with the failed one
