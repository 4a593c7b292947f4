from __future__ import annotations

from pathlib import Path

import pytest

from hub.db import Database
from tests.hub.world import World


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """The hub's database on each backend: an SQLite file, and a fresh database on the session's own
    PostgreSQL cluster (tests/pgcluster.py)."""
    if request.param == "sqlite":
        return tmp_path / "hub.db"
    db: Database = request.getfixturevalue("pg_database")
    return db


@pytest.fixture
def world(hub_database: Database) -> World:
    return World(hub_database)
