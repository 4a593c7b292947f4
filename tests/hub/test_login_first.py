"""Login first at the hub: dispatch offers a job only to a locksmith logged in on their kit, as the kit's
own signed session records say; a logout (or a lapsed login the kit reports) takes them out of dispatch, and
a late, older record does not undo a newer one."""

from __future__ import annotations

from hub.dispatch.candidates import find
from hub.registry import kitsession
from tests.hub.world import SITE, World


def _ids(world: World) -> set[str]:
    return {c.id for c in find(world.conn, lat=SITE[0], lon=SITE[1], lock_class="B",
                               category="open", rule="eta", limit=10)}


def test_only_logged_in_locksmiths_are_offered_jobs(world: World) -> None:
    present = world.locksmith()
    absent = world.locksmith(logged_in=False)  # online, on duty, filed, near: but nobody logged in on the kit
    assert _ids(world) == {present}

    kit = world.kits[present]
    world.clock.advance(1000)
    kitsession.apply_session_record(world.conn, world.clock, kit, "session.logout",
                                    {"locksmith_id": present, "reason": "idle"}, world.clock.now_ms(), "r-2")
    assert _ids(world) == set()
    # A login captured earlier but delivered late (the kit was offline) does not undo the logout.
    kitsession.apply_session_record(world.conn, world.clock, kit, "session.login", {"locksmith_id": present},
                                    world.clock.now_ms() - 500, "r-late")
    assert _ids(world) == set()

    other_kit = world.kits[absent]
    kitsession.apply_session_record(world.conn, world.clock, other_kit, "session.login",
                                    {"locksmith_id": "somebody-else"}, world.clock.now_ms(), "r-3")
    assert _ids(world) == set()  # a login on the kit by someone who is not its locksmith does not count
    kitsession.apply_session_record(world.conn, world.clock, other_kit, "session.login",
                                    {"locksmith_id": absent}, world.clock.now_ms() + 1, "r-4")
    assert _ids(world) == {absent}


def test_no_offer_sent_to_a_kit_nobody_is_logged_in_on(world: World) -> None:
    world.locksmith(logged_in=False)
    order = world.request()
    state = world.conn.execute("SELECT state FROM orders WHERE id = ?", (order,)).fetchone()[0]
    assert world.conn.execute("SELECT COUNT(*) FROM offers WHERE order_id = ?", (order,)).fetchone()[0] == 0
    assert state == "unassigned", state  # nobody to offer it to
