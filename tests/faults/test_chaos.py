"""The fault run in `make test`: a few seeds of tests/faults/chaos.py (separate processes for Mosquitto,
the hub, the police export and two producing kits; seeded SIGKILL/SIGSTOP of each), counted to zero lost,
duplicated and corrupt at the hub and in the export, and `police-verify` clean. `make chaos SEEDS=200`
runs many more with a longer fault window."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.faults.chaos import Run, SeedResult, plan

SEEDS = (101, 202)


@pytest.mark.parametrize("seed", SEEDS)
def test_seeded_fault_run_loses_nothing(seed: int, tmp_path: Path) -> None:
    run = Run(seed, tmp_path / "run", duration_s=8.0)
    res = run.run()
    assert res.faults, "the plan injects faults"
    assert res.records > 0 and res.files > 0 and res.police > 0
    assert (res.lost, res.duplicated, res.corrupt, res.refused) == (0, 0, 0, 0), res.problems
    assert res.verify_ok, res.problems
    assert res.drained and not res.unrecovered, res.problems

    # The counters can fail: take a record away from the hub, store a token twice and flip a byte.
    hub = sqlite3.connect(run.home.dir / "hub.db")
    row = hub.execute("SELECT rowid, id FROM kit_records WHERE type='kit.record' ORDER BY rowid LIMIT 2").fetchall()
    hub.execute("UPDATE kit_records SET wire = CAST(replace(CAST(wire AS TEXT), 'token', 'tokem') AS BLOB) "
                "WHERE rowid=?", (row[1][0],))
    body = hub.execute("SELECT body FROM kit_records WHERE rowid=?", (row[1][0],)).fetchone()[0]
    hub.execute("DELETE FROM kit_records WHERE rowid=?", (row[0][0],))
    hub.execute("UPDATE kit_records SET body=? WHERE rowid=(SELECT MAX(rowid) FROM kit_records "
                "WHERE type='kit.record')", (body,))
    hub.commit()
    hub.close()
    run.result = SeedResult(seed)
    run._count()
    assert run.result.lost == 1 and run.result.corrupt >= 1 and run.result.duplicated == 1


def test_plans_are_seeded() -> None:
    assert plan(7, 20.0, ["a", "b"]) == plan(7, 20.0, ["a", "b"])
    assert plan(7, 20.0, ["a", "b"]) != plan(8, 20.0, ["a", "b"])
    assert {f.action for f in plan(7, 60.0, ["a"])} == {"kill", "stop"}
