from __future__ import annotations

import json

import pytest

from hub.followup.gateway import NotifyGateway
from hub.followup.quality import quality_score
from hub.followup.tasks import DUE_MS, contact, flag_overdue, open_tasks, record_outcome, sync_tasks
from hub.notify import store
from hub.registry.errors import DomainError
from tests.hub.test_lifecycle import form
from tests.hub.world import World

from .test_end_to_end import complete

HOUR = 3_600_000


@pytest.fixture
def world(tmp_path, clock):
    return World(tmp_path / "hub.db", clock)


def _feed(world: World, kind: str) -> list[dict]:
    return [json.loads(r[0]) for r in world.conn.execute("SELECT body_json FROM police_feed WHERE kind=? ORDER BY seq",
                                                         (kind,))]


def test_followup_due_within_24h_rating_feeds_quality(world):
    lid = world.locksmith()
    order = form(world, lid)
    complete(world, lid, order)
    assert sync_tasks(world.conn, world.clock) == 1 and sync_tasks(world.conn, world.clock) == 0
    [task] = open_tasks(world.conn, world.clock)
    assert task["due_ms"] - task["completed_ms"] == DUE_MS
    before = quality_score(world.conn, lid)
    ref = contact(world.conn, world.clock, order, "sms", NotifyGateway(), operator="operator:op1")
    [queued] = store.listing(world.conn, order_id=order)
    assert ref == f"sms:{queued['id']}" and queued["template"] == "followup" and queued["to"] == "139****5678"
    assert f"/orders/{order}/rate" in queued["text"] and queued["actor"] == "operator:op1"
    record_outcome(world.conn, world.clock, order, operator="operator:op1", channel="sms", outcome="reached",
                   rating=5, note="满意")
    record_outcome(world.conn, world.clock, order, operator="operator:op1", channel="sms", outcome="reached",
                   rating=5, note="满意")  # repeated: no-op
    assert quality_score(world.conn, lid) > before
    assert world.conn.execute("SELECT rating_count FROM locksmiths WHERE id=?", (lid,)).fetchone()[0] == 1
    [rec] = _feed(world, "followup.recorded")
    assert rec["rating"] == 5 and rec["locksmith_id"] == lid and not rec["late"]
    with pytest.raises(DomainError):
        record_outcome(world.conn, world.clock, order, operator="operator:op1", channel="sms", outcome="complaint")


def test_overdue_flagged_once_at_48h_and_complaints_lower_quality(world):
    lid = world.locksmith()
    order = form(world, lid)
    complete(world, lid, order)
    sync_tasks(world.conn, world.clock)
    world.clock.advance(48 * HOUR - 1)
    assert flag_overdue(world.conn, world.clock) == []
    world.clock.advance(1)
    assert flag_overdue(world.conn, world.clock) == [order]
    assert flag_overdue(world.conn, world.clock) == []
    assert [f["order_id"] for f in _feed(world, "followup.overdue")] == [order]
    record_outcome(world.conn, world.clock, order, operator="operator:op1", channel="voice", outcome="complaint",
                   rating=1, note="态度差")
    assert quality_score(world.conn, lid) < 3.0
    assert _feed(world, "followup.recorded")[0]["late"] is False  # exactly at 48 h is not yet late
