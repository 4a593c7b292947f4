"""The kit's own job records (edge/job/steps.py kinds) drive the order like job.* messages do."""

from __future__ import annotations

import pytest

from hub.ledger.core import balance, escrow_account
from hub.orders.kitrecords import apply_kit_record
from hub.registry.errors import DomainError
from protocol.service_code import check_code
from tests.hub.test_lifecycle import form
from tests.hub.world import World


def test_kit_records_take_the_order_to_completion(world: World) -> None:
    lid = world.locksmith()
    order = form(world, lid)
    kit = world.kits[lid]
    job_order = world.inbox("kit", kit, "job.order")[-1]
    code = world.last("c-1", "customer.order_success")["service_code"]
    assert check_code(code, job_order["code_hash"]) and job_order["locksmith_id"] == lid
    assert "*" in job_order["witness"]["id_number"]  # the witness's ID number reaches the kit masked

    def rec(kind: str, data: dict[str, object], n: int) -> str | None:
        return apply_kit_record(world.conn, world.clock, kit, kind, order, data, msg_id=f"m{n}")

    assert rec("job.arrived", {"code_checked": True, "distance_m": 12.0}, 1) == "on_site"
    rec("job.locksmith_verified", {"slot": 3, "score": 120}, 2)
    with pytest.raises(DomainError) as refused:
        rec("job.customer_fingerprint", {"sha256": "aa" * 32}, 3)
    assert refused.value.code == "not_verified" and "job.consent" in refused.value.message
    with pytest.raises(DomainError):
        rec("job.video_started", {}, 4)  # no job starts before the verification
    rec("job.consent", {"given": True}, 5)
    rec("job.customer_photo", {"sha256": "bb" * 32}, 6)
    rec("job.id_photo", {"sha256": "cc" * 32}, 7)
    assert rec("job.customer_fingerprint", {"sha256": "dd" * 32}, 8) == "verified"
    assert rec("job.video_started", {}, 9) == "in_progress"
    assert rec("job.lock_photo_before", {}, 10) is None  # evidence only, no order event
    assert rec("job.completed", {"fee_fen": 12_000, "payment_received": True}, 11) == "awaiting_documents"
    assert rec("job.completed", {"fee_fen": 12_000, "payment_received": True}, 11) == "awaiting_documents"
    assert balance(world.conn, escrow_account(order)) == 20_000
    row = world.conn.execute("SELECT * FROM job_verifications WHERE order_id = ?", (order,)).fetchone()
    assert row["customer_fp_sha256"] == "dd" * 32 and row["locksmith_finger"] == "slot:3"
