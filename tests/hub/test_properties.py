"""Property tests over random lifecycles driven through the same handlers as the hub service."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.ledger.core import check
from tests.hub.test_lifecycle import FEN, verify_body
from tests.hub.world import SITE, World

ACTIONS = ("request", "accept", "refuse", "tick", "decide_yes", "decide_no", "pay", "abandon", "set_out",
           "arrive", "verify", "verify_wrong", "start", "done", "fee", "withdraw", "docs", "dispute",
           "redispatch", "long_tick", "rate")

# "progress" takes the natural next step of an order, so random walks reach the deep states too.
action_lists = st.lists(st.tuples(st.sampled_from(ACTIONS + ("progress",) * 60), st.integers(0, 7)),
                        min_size=1, max_size=90)
NEXT = {"dispatching": "accept", "awaiting_customer": "decide_yes", "awaiting_payment": "pay", "formed": "set_out",
        "en_route": "arrive", "on_site": "verify", "verified": "start", "in_progress": "done", "completed": "fee",
        "awaiting_documents": "docs", "case_opened": "docs", "unassigned": "redispatch", "scheduled": "tick"}
DETOUR = {"accept": "refuse", "decide_yes": "decide_no", "verify": "verify_wrong", "docs": "long_tick",
          "set_out": "withdraw", "arrive": "abandon"}


def invariants(w: World) -> None:
    c = w.conn
    assert check(c) == [], check(c)  # every transfer balanced, grand total zero, nobody overdrawn
    for order_id, in c.execute("SELECT id FROM orders"):
        escrow = c.execute("SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE account = ?",
                           (f"escrow:{order_id}",)).fetchone()[0]
        held = c.execute("SELECT coalesce(sum(amount), 0) FROM ledger_holds WHERE order_id = ?"
                         " AND state IN ('active', 'frozen_police')", (order_id,)).fetchone()[0]
        assert escrow == held
        assert c.execute("SELECT count(*) FROM offers WHERE order_id = ? AND state = 'open'",
                         (order_id,)).fetchone()[0] <= 1
    stuck = c.execute("SELECT count(*) FROM ledger_holds h JOIN orders o ON o.id = h.order_id"
                      " WHERE o.state IN ('cancelled', 'abandoned', 'documents_verified')"
                      " AND h.state IN ('active', 'frozen_police')").fetchone()[0]
    assert stuck == 0  # an order that ended has given every fen back or paid it out
    for hold in c.execute("SELECT * FROM ledger_holds"):
        resolved = c.execute("SELECT count(*) FROM ledger_transfers WHERE key = ?",
                             (f"hold:{hold['id']}:resolve",)).fetchone()[0]
        assert resolved <= 1
        assert (resolved == 1) == (hold["state"] in ("released", "paid"))
    started = c.execute("SELECT DISTINCT order_id FROM order_transitions WHERE to_state = 'in_progress'").fetchall()
    for (order_id,) in started:
        assert c.execute("SELECT 1 FROM job_verifications WHERE order_id = ?", (order_id,)).fetchone()
    drift = c.execute(
        "SELECT count(*) FROM dispatch_pool p JOIN locksmiths l ON l.n = p.n WHERE"
        " p.busy != EXISTS (SELECT 1 FROM orders o WHERE o.locksmith_n = p.n AND o.locksmith_busy = 1)"
        " OR p.offer_open != EXISTS (SELECT 1 FROM offers f WHERE f.locksmith_n = p.n AND f.state = 'open')"
        " OR p.ready != (l.status = 'on_duty' AND l.filing_receipt_no != '' AND l.unit_operating = 1"
        " AND l.kit_online = 1)").fetchone()[0]
    drift += c.execute("SELECT count(*) FROM dispatch_pool p LEFT JOIN pool_area_keys k ON k.n = p.n"
                       " WHERE k.n IS NULL OR k.min_q != p.quality OR k.min_g != p.grade_rank").fetchone()[0]
    assert drift == 0  # the trigger-kept dispatch pool never disagrees with the records
    assert c.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM offers WHERE state = 'open'"
                     " GROUP BY locksmith_n)").fetchone()[0] in (None, 1)
    assert c.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM orders WHERE locksmith_busy = 1"
                     " GROUP BY locksmith_n)").fetchone()[0] in (None, 1)


def run(w: World, smiths: list[str], action: str, pick: int) -> None:
    orders = [r[0] for r in w.conn.execute("SELECT id FROM orders ORDER BY id")]
    order = orders[pick % len(orders)] if orders else None
    row = w.conn.execute("SELECT * FROM orders WHERE id = ?", (order,)).fetchone() if order else None
    kit = row["kit_id"] if row is not None and row["kit_id"] else w.kits[smiths[pick % len(smiths)]]
    customer = row["customer_id"] if row is not None else "c-0"
    if action == "progress":
        if row is None or row["state"] not in NEXT:
            action = "request"
        else:
            action = NEXT[row["state"]]
            if pick == 7:
                action = DETOUR.get(action, action)
            elif pick == 6:  # the customer gives up, at whatever stage the order is
                action = "abandon"
            elif action == "docs" and pick in (3, 4, 5):  # the follow-up's rating, before the documents
                action = "rate"
        if action == "accept" and row is not None:
            offer = w.live_offer(row["id"])
            if offer is not None:
                w.kit(offer["kit_id"], "job.accept", {"offer_id": offer["id"]})
            return
    if action == "request":
        w.request(f"c-{pick}", rule=("eta", "quality", "grade")[pick % 3])
    elif action in ("accept", "refuse"):
        offers = w.conn.execute("SELECT * FROM offers WHERE state = 'open' ORDER BY id").fetchall()
        if offers:
            o = offers[pick % len(offers)]
            w.kit(o["kit_id"], f"job.{action}", {"offer_id": o["id"]})
    elif action == "tick":
        w.tick(1_000 * (pick * 7 + 1))
    elif action == "long_tick":
        w.tick(3_600_000 * (pick * 12 + 1))
    elif order is None:
        return
    elif action in ("decide_yes", "decide_no"):
        w.customer(customer, "customer.decision", {"order_id": order, "accept": action == "decide_yes"})
    elif action == "pay":
        w.ops("order.pay", {"order_id": order, "amount_fen": FEN, "provider": "manual",
                            "external_ref": f"r-{order}-{pick}"})  # a counter payment: operators only
    elif action == "abandon":
        w.customer(customer, "customer.abandon", {"order_id": order})
    elif action in ("set_out", "arrive", "start", "done"):
        step = {"arrive": "arrived", "start": "started"}.get(action, action)
        w.kit(kit, "job.step", {"order_id": order, "step": step})
    elif action in ("verify", "verify_wrong"):
        sent = [m for m in w.inbox("customer", customer, "customer.order_success") if m["order_id"] == order]
        code = sent[-1]["service_code"] if sent and action == "verify" else "999999x"
        lid = row["locksmith_id"] if row is not None and row["locksmith_id"] else smiths[0]
        w.kit(kit, "job.verify", verify_body(w, lid, order, code))
    elif action == "fee":
        w.kit(kit, "job.fee_received", {"order_id": order, "fee_fen": 100 * pick})
    elif action == "withdraw":
        w.kit(kit, "job.withdraw", {"order_id": order})
    elif action == "docs":
        w.ops("order.documents_verified", {"order_id": order})
    elif action == "dispute":
        w.ops("order.dispute", {"order_id": order})
    elif action == "rate":
        w.ops("order.rate", {"order_id": order, "stars": pick % 5 + 1})
    elif action == "redispatch":
        w.ops("order.redispatch", {"order_id": order})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=action_lists, n_smiths=st.integers(1, 4))
def test_random_lifecycles_keep_the_invariants(actions: list[tuple[str, int]], n_smiths: int) -> None:
    w = World(":memory:")
    smiths = [w.locksmith(at=(SITE[0] + 0.01 * i, SITE[1]), grade=("junior", "senior", "special")[i % 3])
              for i in range(1, n_smiths + 1)]
    w.request("c-0")
    for action, pick in actions:
        run(w, smiths, action, pick)
        invariants(w)


def test_a_lifecycle_that_reaches_every_money_outcome() -> None:
    """A fixed walk, so the property test's reach is not left to chance alone."""
    w = World(":memory:")
    smiths = [w.locksmith(at=(SITE[0] + 0.01 * i, SITE[1])) for i in (1, 2)]
    w.request("c-0")
    script = [("accept", 0), ("decide_yes", 0), ("pay", 0), ("set_out", 0), ("arrive", 0), ("verify_wrong", 0),
              ("verify", 0), ("start", 0), ("done", 0), ("fee", 3), ("long_tick", 6), ("docs", 0)]
    for action, pick in script:
        run(w, smiths, action, pick)
        invariants(w)
    assert w.state(w.conn.execute("SELECT id FROM orders").fetchone()[0]) == "documents_verified"
