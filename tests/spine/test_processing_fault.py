"""A message the hub fails on (a fault in some handler) cannot wedge ingest: the batch is split, the
faulty message is quarantined with the error and acknowledged (the kit keeps it aside), and everything
else is stored and served."""

from __future__ import annotations

import pytest

from edge.app import make_kit
from hub.service import make_hub
from tests.spine.helpers import poll


@pytest.mark.parametrize("deployment", ["sqlite", "postgresql"], indirect=True)
def test_faulty_message_is_isolated(deployment) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub(deployment.home.dir)

    def boom(conn, acc):  # type: ignore[no-untyped-def]
        if acc.body.kind == "test.boom":
            raise ZeroDivisionError("a bug in some handler")
        return []

    hub.ingest.on("kit.record", boom)
    kit = make_kit(deployment.kits["kit-a"])
    before = [kit.store.add_record("test.fine", {"n": i}).id for i in range(5)]
    bad = kit.store.add_record("test.boom", {}).id
    after = [kit.store.add_record("test.fine", {"n": i}).id for i in range(5, 10)]
    hub.start()
    kit.start()
    try:
        assert poll(lambda: kit.store.backlog() == (0, 0), 60), kit.sync.status()
        stored = {r[0] for r in hub.conn.execute("SELECT id FROM kit_records WHERE kind='test.fine'")}
        assert stored == set(before + after)
        row = hub.conn.execute("SELECT reason, detail, msg_id FROM quarantine").fetchone()
        assert row[0] == "processing_fault" and "ZeroDivisionError" in row[1]
        state = kit.store.conn.execute("SELECT state FROM records WHERE id=?", (bad,)).fetchone()[0]
        assert state == "refused"  # kept aside on the kit, not resent forever, not deleted
    finally:
        kit.stop()
        hub.stop()
