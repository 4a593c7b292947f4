"""`lockwarden ops --config ... ledger.refunds_due / ledger.refund` over the real broker: the operator sees
who is owed, a refund larger than the balance is refused, the counter refund is recorded once with the
operator's signed identity, and the ledger stays sound."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.db import open_hub_db
from hub.ledger.core import balance, check
from hub.ledger.payments import record_payment
from hub.provisioning import provision_principal
from hub.service import make_hub
from protocol.clock import SystemClock
from tests.e2e.test_ops_over_mqtt import _cli


@pytest.mark.parametrize("deployment", ["sqlite", "postgresql"], indirect=True)
def test_operator_refunds_a_customer_over_mqtt(deployment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = deployment.home
    provision_principal(home, "op-li", "operator", tmp_path / "op-li")
    deployment.broker.reload()
    code, boot = _cli("ops", "--db", str(home.dir), "bootstrap", "--id", "op-li", "--name", "Li")
    assert code == 0 and boot["ok"], boot
    conn = open_hub_db(home.database())  # money released to the customer, waiting at the hub
    record_payment(conn, SystemClock(), provider="manual", external_ref="R-100", customer_id="cu-1",
                   amount_fen=25_000, actor="operator:op-li")
    conn.close()
    hub = make_hub(home.dir)
    hub.start()
    try:
        cfg = str(tmp_path / "op-li" / "operator.toml")
        code, due = _cli("ops", "--config", cfg, "ledger.refunds_due")
        assert code == 0 and due["ok"], due
        [owed] = due["result"]["customers"]
        assert owed["customer_id"] == "cu-1" and owed["balance_fen"] == 25_000
        assert owed["payments"][0]["external_ref"] == "R-100" and owed["payments"][0]["refundable_fen"] == 25_000
        code, over = _cli("ops", "--config", cfg, "ledger.refund", "--customer-id", "cu-1", "--receipt", "RF-1",
                          "--amount-fen", "30000")
        assert code == 1 and over["code"] == "insufficient_funds", over
        code, done = _cli("ops", "--config", cfg, "ledger.refund", "--customer-id", "cu-1", "--receipt", "RF-1",
                          "--payment-id", str(owed["payments"][0]["payment_id"]), "--reason", "cash at the counter")
        assert code == 0 and done["ok"] and done["result"]["applied"], done
        assert done["result"]["amount_fen"] == 25_000 and done["result"]["actor"] == "operator:op-li"
        code, again = _cli("ops", "--config", cfg, "ledger.refund", "--customer-id", "cu-1", "--receipt", "RF-1",
                           "--payment-id", str(owed["payments"][0]["payment_id"]))
        assert code == 0 and not again["result"]["applied"], again
        code, due = _cli("ops", "--config", cfg, "ledger.refunds_due")
        assert due["result"] == {"customers": [], "total_fen": 0}
        with hub._lock:
            assert balance(hub.conn, "customer:cu-1") == 0 and balance(hub.conn, "external:manual") == 0
            assert check(hub.conn) == []
            assert hub.conn.execute("SELECT count(*) FROM ledger_payments WHERE direction = 'out'").fetchone()[0] == 1
    finally:
        hub.stop()
