"""Operator requests: authentication, actor recorded, transaction-id replay, hotline intake, CLI, docs."""

from __future__ import annotations

import json
from pathlib import Path

from hub.ops import handle
from hub.orders.docs import render
from lockwarden.cli import main
from tests.hub.world import SHA, SITE, World, resident_id


def hotline_request(**over: object) -> dict[str, object]:
    req: dict[str, object] = {
        "customer_name": "张三", "customer_mobile": "13912345678", "customer_id_number": resident_id(501, "19900101"),
        "customer_id_image_sha256": SHA, "site_address": "北京", "site_lat": SITE[0], "site_lon": SITE[1],
        "category": "open", "lock_class": "B", "rule": "eta",
        "officer": {"name": "警官", "badge_number": "010203", "id_number": resident_id(503, "19750101"),
                    "id_image_sha256": SHA}}
    return req | over


def test_unknown_operator_refused_and_actor_recorded(world: World) -> None:
    r = handle(world.conn, world.clock, "mallory", "order.list", {}, txn="t1")
    assert not r["ok"] and r["code"] == "unauthenticated"
    boot = handle(world.conn, world.clock, "mallory", "operator.add", {"id": "mallory", "name": "M"}, txn="t2",
                  bootstrap=True)
    assert not boot["ok"]  # bootstrap works only on an empty hub
    world.locksmith()
    created = world.ops("order.create", {"customer_id": "hotline-1", "request": hotline_request()})
    order = created["result"]["order_id"]
    shown = world.ops("order.show", {"order_id": order})["result"]
    assert shown["created_by"] == "operator:op1" and shown["state"] == "dispatching"
    cancel = handle(world.conn, world.clock, "op1", "order.cancel", {"order_id": order, "reason": "dup"}, txn="tx9")
    again = handle(world.conn, world.clock, "op1", "order.cancel", {"order_id": order, "reason": "dup"}, txn="tx9")
    assert cancel == again and cancel["result"]["state"] == "cancelled"
    last = world.ops("order.show", {"order_id": order})["result"]["transitions"][-1]
    assert (last["actor"], last["reason"], last["event_id"]) == ("operator:op1", "dup", "tx9")


def test_field_level_errors_for_requests(world: World) -> None:
    both = hotline_request(witness={"name": "李四", "id_number": resident_id(502), "id_image_sha256": SHA},
                           customer_mobile="12", lock_class="Z", rule="cheapest", site_lat=91.0)
    r = world.ops("order.create", {"customer_id": "hotline-1", "request": both})
    fields = {e["field"] for e in r["errors"]}
    assert {"witness", "officer", "customer_mobile", "lock_class", "rule", "site_lat"} <= fields
    neither = dict(hotline_request())
    neither.pop("officer")
    r = world.ops("order.create", {"customer_id": "hotline-1", "request": neither})
    assert {e["field"] for e in r["errors"]} == {"witness", "officer"}


def test_settings_change_offer_seconds(world: World) -> None:
    a = world.locksmith(at=(SITE[0] + 0.01, SITE[1]))
    world.locksmith(at=(SITE[0] + 0.02, SITE[1]))
    assert world.ops("settings.set", {"key": "offer_ttl_s", "value": "10"})["result"]["offer_ttl_s"] == 10
    order = world.request()
    assert world.offers_to(a)[0]["expires_at"] == world.clock.now_ms() + 10_000
    world.tick(10_000)
    live = world.live_offer(order)
    assert live is not None and live["locksmith_id"] != a
    assert not world.ops("settings.set", {"key": "offer_ttl_s", "value": "-1"})["ok"]


def test_cli_runs_ops_against_a_local_database(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "cli.db")
    assert main(["--lang", "en", "ops", "--db", db, "bootstrap", "--id", "op1", "--name", "One"]) == 0
    assert main(["ops", "--db", db, "--actor", "op1", "unit.file", "--name", "U", "--address", "A",
                 "--uscc", "91110000600037341L", "--legal-rep-name", "R", "--legal-rep-id", resident_id(9),
                 "--filing-receipt-no", "B1"]) == 0
    capsys.readouterr()
    assert main(["ops", "--db", db, "--actor", "op1", "registry.export", "--kind", "units"]) == 0
    assert "91110000600037341L" in capsys.readouterr().out
    assert main(["ops", "--db", db, "--actor", "op1", "order.cancel", "--order-id", "nope"]) == 1
    assert json.loads(capsys.readouterr().out)["code"] == "not_found"


def test_orders_doc_is_generated_from_the_table() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "orders.md"
    assert doc.read_text(encoding="utf-8") == render(), "run: python -m hub.orders.docs > docs/orders.md"


def test_group_commit_undoes_only_the_refused_message(world: World) -> None:
    from hub.db import transaction
    from hub.ops.customer import handle_customer
    from hub.orders.kitrecords import receive
    from protocol import jobrecords as jr

    lid = world.locksmith()
    world.upload("c-9")  # the customer's app sent the ID photos first
    with transaction(world.conn):  # the service drains a batch of messages under one commit
        ok = handle_customer(world.conn, world.clock, "c-9", "customer.request",
                             {**hotline_request(), "rule": "eta"}, msg_id="01JGZ0000000000000000000Z1")
        record = jr.encode(jr.SetOut(kit_id=world.kits[lid], locksmith_id=lid, step="set_out"))
        bad = receive(world.conn, world.clock, world.kits[lid], "job.set_out", ok.order_id, record,
                      msg_id="01JGZ0000000000000000000Z2")
    assert ok.ok and bad is not None and bad.code == "forbidden"
    assert world.state(ok.order_id or "") == "dispatching"
    refused = [e for e in world.inbox("operator", "*", "ops.event") if e["kind"] == "kit_record_refused"]
    assert refused[-1]["code"] == "forbidden"
    assert world.live_offer(ok.order_id or "") is not None


def test_events_name_operators_and_locksmiths(world: World) -> None:
    """An operator event names the people in it as the console shows them: the operator by name (with the id
    only when two operators share the name), the locksmith offered the job by his filed name."""
    lid = world.locksmith(serial=71)
    first = world.ops("order.create", {"customer_id": "hotline-1", "request": hotline_request()})["result"]["order_id"]
    handle(world.conn, world.clock, "op1", "order.cancel", {"order_id": first, "reason": "dup"}, txn="n1")
    # a second operator with the same name as op1: now each is told apart by the id beside the name
    world.ops("operator.add", {"id": "op2", "name": "Op One"})
    second = world.ops("order.create", {"customer_id": "hotline-2", "request": hotline_request()})["result"]["order_id"]
    handle(world.conn, world.clock, "op2", "order.cancel", {"order_id": second, "reason": "dup"}, txn="n2")
    history = world.ops("events.history", {"limit": 100})["result"]
    cancelled = {e["order_id"]: e for e in history if e["kind"] == "order.cancelled"}
    assert cancelled[first]["actor"] == "operator:op1" and cancelled[first]["actor_name"] == "Op One"
    assert cancelled[second]["actor_name"] == "Op One (op2)"
    sent = [e for e in history if e["kind"] == "offer.sent"]
    assert sent and all(e["locksmith_id"] == lid and e["locksmith"] == "锁匠71" for e in sent)
    # the live stream carries the same bodies (the console tells them apart from history by content)
    live = [b for b in world.inbox("operator", "*", "ops.event") if b.get("kind") == "order.cancelled"]
    assert {b.get("actor_name") for b in live} == {"Op One", "Op One (op2)"}


def test_order_show_names_the_operator_of_each_transition(world: World) -> None:
    world.locksmith()
    order = world.ops("order.create", {"customer_id": "hotline-3", "request": hotline_request()})["result"]["order_id"]
    handle(world.conn, world.clock, "op1", "order.cancel", {"order_id": order, "reason": "dup"}, txn="n3")
    transitions = world.ops("order.show", {"order_id": order})["result"]["transitions"]
    last = transitions[-1]
    assert (last["actor"], last["actor_name"]) == ("operator:op1", "Op One")
    assert all("actor_name" not in t for t in transitions if not str(t["actor"]).startswith("operator:"))


def test_events_of_an_order_are_kept_in_the_order_they_happened(world: World) -> None:
    """The history lists an order's events as they happened (by the hub's sequence number, since many share
    a second): the request first, then what dispatching it led to: an offer, or nobody to offer it to."""
    nobody = world.ops("order.create", {"customer_id": "hotline-4", "request": hotline_request()})["result"]["order_id"]
    world.locksmith(serial=72)
    offered = world.ops("order.create", {"customer_id": "hotline-5", "request": hotline_request()})["result"]["order_id"]
    history = world.ops("events.history", {"limit": 100})["result"]
    assert [e["seq"] for e in history] == sorted(e["seq"] for e in history)
    assert [e["kind"] for e in history if e.get("order_id") == nobody][:2] == ["order.requested", "order.unassigned"]
    assert [e["kind"] for e in history if e.get("order_id") == offered][:2] == ["order.requested", "offer.sent"]
    live = [e["kind"] for e in world.inbox("operator", "*", "ops.event") if e.get("order_id") == nobody]
    assert live[:2] == ["order.requested", "order.unassigned"]


def test_an_assignment_is_told_before_the_offer_it_makes(world: World) -> None:
    order = world.ops("order.create", {"customer_id": "hotline-6", "request": hotline_request()})["result"]["order_id"]
    assert world.state(order) == "unassigned"
    lid = world.locksmith(serial=73)
    done = handle(world.conn, world.clock, "op1", "order.assign", {"order_id": order, "locksmith_id": lid,
                                                                   "reason": "the customer asked for him"}, txn="a1")
    assert done["ok"], done
    kinds = [e["kind"] for e in world.ops("events.history", {"order_id": order, "limit": 100})["result"]]
    assert kinds == ["order.requested", "order.unassigned", "order.assigned", "offer.sent"]


def test_a_cancellation_is_told_before_the_offer_it_withdraws(world: World) -> None:
    world.locksmith(serial=74)
    order = world.ops("order.create", {"customer_id": "hotline-7", "request": hotline_request()})["result"]["order_id"]
    handle(world.conn, world.clock, "op1", "order.cancel", {"order_id": order, "reason": "dup"}, txn="c1")
    kinds = [e["kind"] for e in world.ops("events.history", {"order_id": order, "limit": 100})["result"]]
    assert kinds == ["order.requested", "offer.sent", "order.cancelled", "offer.withdrawn"]
