"""The kit's job records (protocol.jobrecords, as JobFlow sends them) take the order through the on-site job,
and the hub checks what it can itself: the proof of the service code, the locksmith's enrolled template,
the customer's identity captures having arrived before the start."""

from __future__ import annotations

import json

from hub.ledger.core import balance, escrow_account
from hub.orders.kitrecords import apply_kit_record
from hub.registry.errors import DomainError
from protocol import jobrecords as jr
from protocol import labels
from protocol.service_code import check_code
from tests.hub.test_lifecycle import form
from tests.hub.world import World


def _feed(world: World, order: str) -> list[tuple[str, dict[str, object]]]:
    return [(r["kind"], json.loads(r["body_json"])) for r in world.conn.execute(
        "SELECT kind, body_json FROM police_feed WHERE entity_id = ? ORDER BY seq", (order,))]


def test_kit_records_take_the_order_to_completion(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    kit = world.kits[lid]
    job_order = world.inbox("kit", kit, "job.order")[-1]
    code = world.code(order)
    assert check_code(code, job_order["code_hash"]) and job_order["locksmith_id"] == lid
    assert "*" in job_order["witness"]["id_number"]  # the witness's ID number reaches the kit masked
    j = world.job(lid, order)

    assert j.set_out()["state"] == "en_route"
    assert j.arrive()["state"] == "on_site"
    assert j.verify_locksmith()["ok"]
    refused = j.capture(jr.RecordKind.CUSTOMER_FINGERPRINT, "fingerprint.customer")
    assert refused["code"] == "not_verified" and labels.police_kind("job.consent") in refused["message"]
    assert j.start()["code"] == "not_verified"  # no job starts before the verification
    assert j.identity()["state"] == "verified"
    assert j.start()["state"] == "in_progress"
    lock = j.capture(jr.RecordKind.LOCK_PHOTO_BEFORE, "photo.lock_before")
    assert lock == {**lock, "ok": True, "state": "in_progress"}  # evidence only, no order event
    assert j.complete(12_000)["state"] == "awaiting_documents"
    assert balance(world.conn, escrow_account(order)) == 20_000

    row = world.conn.execute("SELECT * FROM job_verifications WHERE order_id = ?", (order,)).fetchone()
    assert row["locksmith_finger"] == "right_index" and row["locksmith_template_sha256"] != ""
    kinds = [k for k, _b in _feed(world, order)]
    # every record with facts for the police reaches their feed, and the verification as order.verified
    for kind in ("job.set_out", "job.arrived", "job.locksmith_verified", "job.consent", "job.customer_photo",
                 "job.id_photo", "job.customer_fingerprint", "job.video_started", "job.lock_photo_before",
                 "job.completed", "order.verified", "order.completed"):
        assert kind in kinds, kind
    verified = dict(_feed(world, order))["order.verified"]
    assert verified["locksmith_template_sha256"] == row["locksmith_template_sha256"]
    assert verified["customer_fp_sha256"] == row["customer_fp_sha256"]


def test_a_record_applied_twice_moves_and_forwards_once(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    kit = world.kits[lid]
    data = jr.encode(jr.SetOut(kit_id=kit, locksmith_id=lid, step="set_out"))
    for _ in range(2):
        assert apply_kit_record(world.conn, world.clock, kit, "job.set_out", order, data, msg_id="m1") == "en_route"
    assert [k for k, _b in _feed(world, order)].count("job.set_out") == 1
    assert world.conn.execute("SELECT count(*) FROM order_transitions WHERE order_id = ? AND event = 'set_out'",
                              (order,)).fetchone()[0] == 1


def test_an_arrival_with_a_wrong_code_is_refused_by_the_hub(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    j = world.job(lid, order)
    j.set_out()
    wrong = "000000" if world.code(order) != "000000" else "111111"
    refused = j.arrive(wrong)  # the kit says code_checked, its proof says otherwise
    assert not refused["ok"] and refused["code"] == "wrong_code_proof"
    assert world.state(order) == "en_route"
    told = [m for m in world.inbox("operator", "*", "ops.event") if m["kind"] == "kit_record_refused"]
    assert told[-1]["code"] == "wrong_code_proof" and told[-1]["record_kind"] == "job.arrived"
    # the refused arrival is still evidence: forwarded to the police with the hub's refusal
    arrived = [b for k, b in _feed(world, order) if k == "job.arrived"]
    assert arrived and arrived[-1]["refused"]["code"] == "wrong_code_proof"
    assert "code_proof" in arrived[-1]["record"]  # dropped by the forwarder's minimisation, not here
    assert j.arrive()["state"] == "on_site"  # the right code goes through


def test_an_arrival_without_a_proof_or_with_an_altered_record_is_refused(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    kit = world.kits[lid]
    base = jr.Arrived(kit_id=kit, locksmith_id=lid, code_checked=True, distance_m=12.5)
    assert world.record(kit, order, base)["code"] == "wrong_code_proof"  # no proof at all
    good = jr.encode(base)
    from protocol.service_code import arrival_proof, proof_key
    body = world.inbox("kit", kit, "job.order")[-1]
    key = proof_key(world.code(order), body["code_hash"])
    assert key is not None
    good["code_proof"] = arrival_proof(key, order, good)
    moved = dict(good, distance_m=4000.0)  # a proof made for another record
    with_error = None
    try:
        apply_kit_record(world.conn, world.clock, kit, "job.arrived", order, moved, msg_id=world.mid())
    except DomainError as exc:
        with_error = exc.code
    assert with_error == "wrong_code_proof" and world.state(order) == "formed"
    assert apply_kit_record(world.conn, world.clock, kit, "job.arrived", order, good, msg_id=world.mid()) == "on_site"


def test_a_verification_with_a_template_never_enrolled_is_refused(world: World) -> None:
    lid = world.locksmith()
    other = world.locksmith()
    order = form(world, lid)
    j = world.job(lid, order)
    j.set_out()
    j.arrive()
    from tests.hub.world import fp_sha
    for sha in ("ab" * 32, fp_sha(other, "right_index"), ""):  # unknown, another locksmith's, none
        refused = j.verify_locksmith(template_sha256=sha)
        assert not refused["ok"] and refused["code"] == "fingerprint_mismatch"
    refused = j.identity()
    assert refused["code"] == "not_verified" and labels.police_kind("job.locksmith_verified") in refused["message"]
    assert world.state(order) == "on_site"
    assert j.verify_locksmith("left_index")["ok"]
    assert j.identity()["state"] == "verified"


def test_the_job_cannot_start_before_the_identity_captures_reached_the_hub(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    j = world.job(lid, order)
    j.set_out()
    j.arrive()
    j.verify_locksmith()
    assert j.identity(upload=False)["state"] == "verified"  # the records came, the files did not
    refused = j.start()
    assert refused["code"] == "identity_not_uploaded"  # the captures named as the locksmith reads them
    assert labels.police_kind("job.customer_photo") in refused["message"] and "job." not in refused["message"]
    assert world.state(order) == "verified"
    assert world.ops("settings.set", {"key": "start_requires_upload", "value": "0"})["ok"]
    assert j.start()["state"] == "in_progress"  # an operator who lets kits work offline


def test_a_malformed_job_record_is_refused_with_the_reason(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    kit = world.kits[lid]
    refused = world.record(kit, order, jr.SetOut(kit_id=kit, locksmith_id=lid))
    assert refused["ok"]
    try:
        apply_kit_record(world.conn, world.clock, kit, "job.completed", order,
                         {"kit_id": kit, "locksmith_id": lid, "fee_fen": "lots", "payment_received": True},
                         msg_id=world.mid())
    except DomainError as exc:
        assert exc.code == "bad_record" and "fee_fen" in exc.message
    else:
        raise AssertionError("a fee that is not a number was accepted")
