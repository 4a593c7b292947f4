"""A PostgreSQL connection the server drops (restart, failover, an administrator's pg_terminate_backend) is
opened again for the next unit of work, never in the middle of one: the transaction that met the dead
connection fails as a whole, and the next one runs on a fresh connection."""

from __future__ import annotations

import psycopg
import pytest

from edge.app import make_kit
from hub.db import OperationalError, Postgres, Tx, open_hub_db
from hub.service import make_hub, wait_until


def terminate_others(db: Postgres) -> int:
    """End every other session on the database, as an administrator would."""
    with psycopg.connect(db.dsn, autocommit=True) as admin:
        row = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()
    assert row is not None
    return int(row[0])


def test_a_transaction_cut_off_fails_whole_and_the_next_gets_a_new_connection(pg_database: Postgres) -> None:
    conn = open_hub_db(pg_database)
    try:
        conn.execute("INSERT INTO ingest_stats(name, value) VALUES ('before', 1)")
        with pytest.raises(OperationalError), Tx(conn):
            conn.execute("INSERT INTO ingest_stats(name, value) VALUES ('cut_off', 1)")
            assert terminate_others(pg_database) == 1
            try:
                conn.execute("INSERT INTO ingest_stats(name, value) VALUES ('lost', 1)")
            except OperationalError:
                pass  # the statement that meets the dead connection fails...
            # ...and so does every later one of the same transaction: none runs, autocommitted, elsewhere
            conn.execute("INSERT INTO ingest_stats(name, value) VALUES ('after_the_cut', 1)")
        assert not conn.in_transaction
        with Tx(conn):  # the next unit of work: a fresh connection
            conn.execute("INSERT INTO ingest_stats(name, value) VALUES ('next', 1)")
        names = {r[0] for r in conn.execute("SELECT name FROM ingest_stats")}
        assert names == {"before", "next"}
    finally:
        conn.close()


def test_a_cut_off_between_transactions_costs_one_statement(pg_database: Postgres) -> None:
    conn = open_hub_db(pg_database)
    try:
        terminate_others(pg_database)
        with pytest.raises(OperationalError):
            conn.execute("SELECT 1")
        assert conn.execute("SELECT 2").fetchone()[0] == 2
    finally:
        conn.close()


@pytest.mark.parametrize("deployment", ["postgresql"], indirect=True)
def test_the_hub_stores_and_acks_the_next_record_after_its_connection_is_killed(deployment) -> None:  # type: ignore[no-untyped-def]
    database = deployment.home.database()
    assert isinstance(database, Postgres)
    kit = make_kit(deployment.kits["kit-a"])
    hub = make_hub(deployment.home.dir)
    hub.start()
    kit.start()
    try:
        first = kit.store.add_record("job.arrival", {"distance_m": 1.0}, order_id="01JGZ0000000000000000000AA")
        assert wait_until(lambda: kit.store.backlog() == (0, 0), 60), kit.sync.status()
        assert terminate_others(database) >= 1  # the hub's connection(s), idle between batches
        second = kit.store.add_record("job.arrival", {"distance_m": 2.0}, order_id="01JGZ0000000000000000000AA")
        # acked (the kit lets go of a record only on the hub's application ack, after the commit)
        assert wait_until(lambda: kit.store.backlog() == (0, 0), 60), kit.sync.status()
        with psycopg.connect(database.dsn, autocommit=True) as other:  # stored: seen from outside the hub
            ids = [r[0] for r in other.execute("SELECT id FROM kit_records WHERE sender='kit-a' AND type='kit.record'"
                                               " ORDER BY seq")]
            quarantined = other.execute("SELECT count(*) FROM quarantine").fetchone()
        assert ids == [first.id, second.id]
        assert quarantined is not None and quarantined[0] == 0
    finally:
        kit.stop()
        hub.stop()
