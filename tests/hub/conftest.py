from __future__ import annotations

import pytest

from hub.db import Database
from tests.hub.world import World


@pytest.fixture
def world(hub_database: Database) -> World:
    """A hub's domain on each database backend (tests/conftest.py `hub_database`)."""
    return World(hub_database)
