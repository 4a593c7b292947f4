"""Property tests over random lifecycles driven through the same handlers as the hub service; kits report
the on-site job as the job records they really send (tests/hub/world.py KitJob)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.db import Database
from hub.ledger.core import balance, check, customer_account
from hub.orders import police_decision
from protocol.messages.police import PoliceDecision
from tests.hub.test_lifecycle import FEN
from tests.hub.world import SITE, World
from tests.pgcluster import Cluster

ACTIONS = ("request", "accept", "refuse", "tick", "decide_yes", "decide_no", "pay", "abandon", "set_out",
           "arrive", "arrive_wrong", "verify", "verify_wrong", "start", "start_early", "done", "fee", "withdraw",
           "docs", "dispute", "police", "refund",
           "redispatch", "long_tick", "rate")

# "progress" takes the natural next step of an order, so random walks reach the deep states too.
action_lists = st.lists(st.tuples(st.sampled_from(ACTIONS + ("progress",) * 60), st.integers(0, 7)),
                        min_size=1, max_size=90)
NEXT = {"dispatching": "accept", "awaiting_customer": "decide_yes", "awaiting_payment": "pay", "formed": "set_out",
        "en_route": "arrive", "on_site": "verify", "verified": "start", "in_progress": "done", "completed": "fee",
        "awaiting_documents": "docs", "case_opened": "police", "disputed": "police", "unassigned": "redispatch",
        "scheduled": "tick"}
DETOUR = {"accept": "refuse", "decide_yes": "decide_no", "verify": "verify_wrong", "docs": "long_tick",
          "set_out": "withdraw", "arrive": "arrive_wrong", "start": "start_early", "police": "docs"}


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
    stuck = c.execute("SELECT count(*) FROM ledger_holds h JOIN orders o ON o.id = h.order_id"
                      " WHERE o.state = 'closed_by_police' AND h.state IN ('active', 'frozen_police')").fetchone()[0]
    assert stuck == 0  # the police's decision resolved every hold frozen pending them
    paid_back = c.execute("SELECT coalesce(sum(amount), 0) FROM ledger_payments WHERE direction = 'out'").fetchone()[0]
    paid_in = c.execute("SELECT coalesce(sum(amount), 0) FROM ledger_payments WHERE direction = 'in'").fetchone()[0]
    assert 0 <= paid_back <= paid_in  # refunds never return more than came in
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
        " p.busy != CASE WHEN EXISTS (SELECT 1 FROM orders o WHERE o.locksmith_n = p.n AND o.locksmith_busy = 1)"
        " THEN 1 ELSE 0 END"
        " OR p.offer_open != CASE WHEN EXISTS (SELECT 1 FROM offers f WHERE f.locksmith_n = p.n AND f.state = 'open')"
        " THEN 1 ELSE 0 END"
        " OR p.ready != CASE WHEN l.status = 'on_duty' AND l.filing_receipt_no != '' AND l.unit_operating = 1"
        " AND l.kit_online = 1 THEN 1 ELSE 0 END").fetchone()[0]
    drift += c.execute("SELECT count(*) FROM dispatch_pool p LEFT JOIN pool_area_keys k ON k.n = p.n"
                       " WHERE k.n IS NULL OR k.min_q != p.quality OR k.min_g != p.grade_rank").fetchone()[0]
    assert drift == 0  # the trigger-kept dispatch pool never disagrees with the records
    assert c.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM offers WHERE state = 'open'"
                     " GROUP BY locksmith_n) AS per_locksmith").fetchone()[0] in (None, 1)
    assert c.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM orders WHERE locksmith_busy = 1"
                     " GROUP BY locksmith_n) AS per_locksmith").fetchone()[0] in (None, 1)


KIT_ACTIONS = frozenset({"set_out", "arrive", "arrive_wrong", "verify", "verify_wrong", "start", "start_early",
                         "done", "fee", "withdraw"})


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
    elif action in KIT_ACTIONS:
        lid = next((ls for ls, k in w.kits.items() if k == kit), smiths[0])
        j = w.job(lid, order)
        if action == "set_out":
            j.set_out()
        elif action == "arrive":
            j.arrive(w.code(order) or "999999")
        elif action == "arrive_wrong":
            j.arrive("999999x")
        elif action == "verify":
            j.verify_locksmith()
            j.identity()
        elif action == "verify_wrong":  # a template this locksmith never enrolled
            j.verify_locksmith(template_sha256="ee" * 32)
            j.identity()
        elif action == "start":
            j.start()
        elif action == "start_early":  # the captures' records came, their files did not
            j.identity(upload=False)
            j.start()
        elif action in ("done", "fee"):
            j.complete(100 * pick)
        elif action == "withdraw":
            j.abort("flat tyre")
    elif action == "docs":
        w.ops("order.documents_verified", {"order_id": order})
    elif action == "dispute":
        w.ops("order.dispute", {"order_id": order})
    elif action == "rate":
        w.ops("order.rate", {"order_id": order, "stars": pick % 5 + 1})
    elif action == "redispatch":
        w.ops("order.redispatch", {"order_id": order})
    elif action == "police":  # the police decide the money frozen pending them, hold by hold
        outcome = ("release", "pay")
        police_decision.handle(w.conn, w.clock, "police", w.mid(), PoliceDecision(
            order_id=order, case_ref=f"CASE-{order}", reason="checked at the station",
            deposit=outcome[pick % 2], prepayment=outcome[(pick // 2) % 2]))
    elif action == "refund":  # an operator pays back what the customer has at the hub (cash, with a receipt)
        have = balance(w.conn, customer_account(customer))
        if have > 0:
            w.ops("ledger.refund", {"customer_id": customer, "receipt": f"RCPT-{w.mid()}",
                                    "amount_fen": max(1, have // (pick + 1))})


def walk(w: World, actions: list[tuple[str, int]], n_smiths: int) -> None:
    """One random lifecycle in `w`: locksmiths filed, a request, then the actions, the invariants after each."""
    smiths = [w.locksmith(at=(SITE[0] + 0.01 * i, SITE[1]), grade=("junior", "senior", "special")[i % 3])
              for i in range(1, n_smiths + 1)]
    w.request("c-0")
    for action, pick in actions:
        run(w, smiths, action, pick)
        invariants(w)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=action_lists, n_smiths=st.integers(1, 4))
def test_random_lifecycles_keep_the_invariants(actions: list[tuple[str, int]], n_smiths: int) -> None:
    walk(World(":memory:"), actions, n_smiths)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=action_lists, n_smiths=st.integers(1, 4))
def test_random_lifecycles_keep_the_invariants_on_postgresql(pg_cluster: Cluster, actions: list[tuple[str, int]],
                                                             n_smiths: int) -> None:
    """Fewer walks on PostgreSQL (a database per walk): its triggers keep the dispatch pool as SQLite's do."""
    db = pg_cluster.new_database()
    w = World(db)
    try:
        walk(w, actions, n_smiths)
    finally:
        w.conn.close()
        pg_cluster.drop(db)


def test_a_lifecycle_that_reaches_every_money_outcome(hub_database: Database) -> None:
    """A fixed walk, so the property test's reach is not left to chance alone (on each database backend)."""
    w = World(hub_database)
    smiths = [w.locksmith(at=(SITE[0] + 0.01 * i, SITE[1])) for i in (1, 2)]
    w.request("c-0")
    script = [("accept", 0), ("decide_yes", 0), ("pay", 0), ("set_out", 0), ("arrive_wrong", 0), ("arrive", 0),
              ("verify_wrong", 0), ("verify", 0), ("start", 0), ("done", 3), ("long_tick", 6), ("docs", 0),
              ("refund", 0)]
    for action, pick in script:
        run(w, smiths, action, pick)
        invariants(w)
    assert w.state(w.conn.execute("SELECT id FROM orders").fetchone()[0]) == "documents_verified"


def test_a_lifecycle_through_the_police_decision_and_a_refund(hub_database: Database) -> None:
    """Disputed on the way, decided by the police hold by hold, and what came back to the customer refunded."""
    w = World(hub_database)
    smiths = [w.locksmith(at=(SITE[0] + 0.01, SITE[1]))]
    w.request("c-0")
    for action, pick in [("accept", 0), ("decide_yes", 0), ("pay", 0), ("set_out", 0), ("dispute", 0),
                         ("police", 2), ("refund", 0)]:
        run(w, smiths, action, pick)
        invariants(w)
    order = w.conn.execute("SELECT id FROM orders").fetchone()[0]
    assert w.state(order) == "closed_by_police"
    assert balance(w.conn, customer_account("c-0")) == 0  # the released deposit went back through the refund
    assert balance(w.conn, f"escrow:{order}") == 0
