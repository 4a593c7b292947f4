from __future__ import annotations

import json

from hub.risk.config import DEFAULT_RULES, load_rules
from hub.risk.model import score
from hub.risk.warnings import current, evaluate, evaluate_order
from tests.hub.world import World, resident_id

RULES = load_rules()


def test_pure_score_is_red_with_every_reason_and_weight():
    a = score("customer", "X", {"documents_mismatch": 1, "many_addresses": 4, "night_without_officer": 1}, RULES)
    assert a.level == "red"
    assert [(r.code, r.weight) for r in a.reasons] == [("documents_mismatch", 60), ("many_addresses", 45),
                                                        ("night_without_officer", 20)]
    assert a.score == 125 and "4 different addresses" in a.reasons[1].text


def test_thresholds_and_levels_come_from_config(tmp_path):
    assert score("customer", "X", {"many_addresses": 2}, RULES).level == "none"  # below threshold 3
    assert score("customer", "X", {"night_without_officer": 1}, RULES).level == "blue"
    assert score("locksmith", "L", {"low_rating": 2.0}, RULES, {"low_rating": 2}).level == "none"  # too few
    assert score("locksmith", "L", {"low_rating": 2.0, "complaints": 1}, RULES, {"low_rating": 5}).level == "yellow"
    cfg = tmp_path / "rules.toml"
    cfg.write_text(DEFAULT_RULES.read_text(encoding="utf-8").replace("red = 60", "red = 20"), encoding="utf-8")
    assert score("customer", "X", {"night_without_officer": 1}, load_rules(cfg)).level == "red"


def _night(world: World, order: str, hour_local: int, address: str) -> None:
    # 2026-01-01 00:00 UTC is 08:00 in Beijing; put the request at the given local hour.
    created = 1_767_225_600_000 + ((hour_local - 8) % 24) * 3_600_000
    world.conn.execute("UPDATE orders SET created_ms=?, site_address=? WHERE id=?", (created, address, order))


def test_gathered_customer_features_raise_red_and_forward_changes(tmp_path, clock):
    world = World(tmp_path / "hub.db", clock)
    world.locksmith()
    idn = resident_id(501, "19900101")  # World's customer
    orders = [world.request(f"c-{i}") for i in range(4)]
    for i, o in enumerate(orders):
        _night(world, o, 23 if i < 2 else 14, f"北京市东城区某路{i}号")
    a = evaluate(world.conn, world.clock, "customer", idn)
    assert a is not None and a.level == "red"
    assert {r.code for r in a.reasons} == {"many_addresses", "night_without_officer"}
    assert evaluate(world.conn, world.clock, "customer", idn) is None  # unchanged: not forwarded again
    world.conn.execute("UPDATE orders SET lock_class='car', state='completed' WHERE id=?", (orders[0],))
    changed = evaluate_order(world.conn, world.clock, orders[0])
    assert [x.subject for x in changed] == ["customer"]
    assert "car_without_licence" in {r.code for r in changed[0].reasons}
    feed = [json.loads(r["body_json"]) for r in world.conn.execute(
        "SELECT body_json FROM police_feed WHERE kind='risk.warning' ORDER BY seq")]
    assert [f["level"] for f in feed] == ["red", "red"] and feed[1]["previous_level"] == "red"
    assert feed[0]["customer_id_number"] == idn and all(r["text"] for r in feed[1]["reasons"])
    assert current(world.conn, "red")[0]["subject_id"] == idn


def test_locksmith_features_from_history(tmp_path, clock):
    world = World(tmp_path / "hub.db", clock)
    lid = world.locksmith()
    world.conn.execute("UPDATE locksmiths SET rating_sum=6, rating_count=4 WHERE id=?", (lid,))
    orders = [world.request(f"c-{i}") for i in range(2)]
    for o in orders:
        world.conn.execute("UPDATE orders SET locksmith_id=?, state='disputed' WHERE id=?", (lid, o))
    a = evaluate(world.conn, world.clock, "locksmith", lid)
    assert a is not None and a.level == "red"
    assert {(r.code, r.weight) for r in a.reasons} == {("low_rating", 30), ("complaints", 30)}


def test_sweep_rescores_subjects_of_new_records_once(tmp_path, clock):
    from hub.risk.sweep import sweep

    world = World(tmp_path / "hub.db", clock)
    world.locksmith()
    orders = [world.request(f"c-{i}") for i in range(4)]
    for i, o in enumerate(orders):
        _night(world, o, 23, f"北京市西城区某街{i}号")
    raised = sweep(world.conn, world.clock)
    assert [(a.subject, a.level) for a in raised] == [("customer", "red")]
    assert sweep(world.conn, world.clock) == []  # nothing new: nothing re-forwarded
