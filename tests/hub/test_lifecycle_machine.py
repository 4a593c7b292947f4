"""A hypothesis state machine over the real hub service (make_hub, no broker): kits' job records, offer answers
and uploads are signed envelopes handed to the service's ingest exactly as MQTT delivers them
(`HubApp.process`), the police decide over their own signed `police.decision`, payments are confirmed by the
sandbox provider's signed notification through the webhook's handler (or at the counter), customers and
operators act through the handlers the service wires to their messages, and time moves only by a FakeClock
whose advance runs the service's periodic jobs (timers: offer expiry, confirmation and payment windows, the
arrival deadline, documents; follow-ups; risk). After every step: the ledger balances and nobody is
overdrawn, every order's state got where it is only by transitions of the table, every job record the police
need is in their feed, and no timer waits on an order that is over."""

from __future__ import annotations

import base64
import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from hub.db import Postgres, dialect
from hub.home import HubHome, init_hub
from hub.ledger.core import balance, check, customer_account
from hub.ledger.holds import holds_of
from hub.orders.states import FINAL, OUTLIVE_THE_ORDER, TABLE
from hub.payments import notifications
from hub.payments.provider import PAY_PROVIDERS
from hub.provisioning import provision_kit, provision_principal
from hub.service import HubApp, make_hub
from hub.wiring import DomainWiring
from protocol import jobrecords as jr
from protocol import topics
from protocol.clock import FakeClock
from protocol.envelope import seal_envelope
from protocol.ids import new_id
from protocol.keys import SigningKey
from protocol.messages.kit import KitRecord
from protocol.messages.police import PoliceDecision
from protocol.service_code import PROOF_FIELD, arrival_proof, proof_key
from protocol.transport.base import Inbound
from tests.conftest import use_database
from tests.hub.test_lifecycle import FEN
from tests.hub.world import SITE, World, fp_sha
from tests.pgcluster import Cluster

SERIALS = (9101, 9102)  # the locksmiths (kit-9101, kit-9102), filed once in the template hub
MAX_ORDERS = 3
NEXT_KIT_STEP = {"formed": "set_out", "en_route": "arrive", "on_site": "verify", "verified": "start",
                 "in_progress": "complete"}


@dataclass(frozen=True)
class Template:
    """One hub directory, booted, with a unit, two locksmiths logged in on provisioned kits and a police
    principal; each example runs on a fresh copy (copying is ~100x faster than provisioning). On PostgreSQL
    its database is copied too (CREATE DATABASE ... TEMPLATE)."""

    dir: Path
    database: Postgres | None
    kits: dict[str, str]
    uploaded: frozenset[str]

    @classmethod
    def get(cls, cluster: Cluster | None) -> Template:
        backend = "sqlite" if cluster is None else "postgresql"
        if backend not in TEMPLATES:
            root = Path(tempfile.mkdtemp(prefix="lifecycle-machine-"))
            home = init_hub(root / "hub")
            database = None if cluster is None else cluster.new_database()
            if database is not None:
                use_database(home, database)
            for s in SERIALS:
                provision_kit(home, f"kit-{s}", root / "kits" / f"kit-{s}")
            provision_principal(home, "police", "police", root / "police")
            clock = FakeClock()
            app = make_hub(home.dir, clock=clock, connect=False)
            w = World(home.database(), clock, conn=app.conn, media=app.ingest.media)
            for i, s in enumerate(SERIALS):
                w.locksmith(at=(SITE[0] + 0.01 * (i + 1), SITE[1]), serial=s)
            w.upload("c-0")
            w.upload("c-1")
            app.stop()
            TEMPLATES[backend] = cls(root, database, dict(w.kits), frozenset(w.uploaded))
        return TEMPLATES[backend]


TEMPLATES: dict[str, Template] = {}


class Kit:
    """A kit as its KitStore sends: envelopes sealed with its own key, in its own sequence."""

    def __init__(self, kit_id: str, key: SigningKey, clock: FakeClock) -> None:
        self.id, self.key, self.clock, self.seq = kit_id, key, clock, clock.now_ms()

    def wire(self, type_name: str, body: msgspec.Struct | dict[str, Any]) -> tuple[str, bytes]:
        self.seq += 1
        env = seal_envelope(self.key, sender=self.id, seq=self.seq, ts=self.clock.now_ms(), type_name=type_name,
                            body=body)
        return env.id, env.to_wire()


class HubLifecycle(RuleBasedStateMachine):
    cluster: Cluster | None = None  # PostgreSQL's, for HubLifecycleOnPostgresql; SQLite when None

    @initialize()
    def boot(self) -> None:
        template = Template.get(self.cluster)
        self.root = Path(tempfile.mkdtemp(prefix="lifecycle-run-"))
        shutil.copytree(template.dir / "hub", self.root / "hub")
        home = HubHome(self.root / "hub")
        self.database: Postgres | None = None
        if self.cluster is not None and template.database is not None:
            self.database = self.cluster.new_database(like=template.database)
            use_database(home, self.database)
        self.clock = FakeClock()
        self.app: HubApp = make_hub(home.dir, clock=self.clock, connect=False)
        assert dialect(self.app.conn) == ("sqlite" if self.cluster is None else "postgresql")
        self.wiring = next(t.__self__ for t in self.app.tickers if isinstance(getattr(t, "__self__", None),
                                                                                 DomainWiring))
        self.w = World(home.database(), self.clock, conn=self.app.conn, media=self.app.ingest.media, boot=False)
        self.w.kits, self.w.uploaded = dict(template.kits), set(template.uploaded)
        self.kits = {kit: Kit(kit, SigningKey.from_b64((template.dir / "kits" / kit / "keys" / "kit_signing.key")
                                                       .read_text()), self.clock) for kit in self.w.kits.values()}
        self.police = Kit("police", SigningKey.from_b64((template.dir / "police" / "keys" / "police.key")
                                                        .read_text()), self.clock)
        self.records: list[tuple[str, str, str]] = []  # (kind, order id, envelope id) of job records the hub stored
        self.orders: list[str] = [self.w.request("c-0")]  # every walk has an order from its first step

    def teardown(self) -> None:
        if hasattr(self, "app"):
            self.app.stop()
            shutil.rmtree(self.root, ignore_errors=True)
        database = getattr(self, "database", None)
        if self.cluster is not None and database is not None:
            self.cluster.drop(database)

    # -- the wire ------------------------------------------------------------------------------------------
    def _send(self, sender: Kit, topic: str, type_name: str, body: msgspec.Struct | dict[str, Any]) -> str:
        msg_id, wire = sender.wire(type_name, body)
        acked: list[bool] = []
        result = self.app.process([Inbound(topic, wire, ack=lambda: acked.append(True))])
        assert acked == [True] and result.quarantined == 0, (type_name, self._quarantine())
        return msg_id

    def _quarantine(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.app.conn.execute("SELECT reason, detail FROM quarantine")]

    def _record(self, kit: Kit, order_id: str, rec: jr.JobRecord, *, code: str | None = None) -> None:
        """One job record, built as the kit's JobFlow builds it (the arrival's proof from the typed code)."""
        data = jr.encode(rec)
        if isinstance(rec, jr.Arrived):
            body = next((m for m in reversed(self.w.inbox("kit", kit.id, "job.order")) if m["order_id"] == order_id),
                        None)
            key = proof_key(code or "", body["code_hash"]) if body is not None and code is not None else None
            data[PROOF_FIELD] = arrival_proof(key or bytes(32), order_id, data)
        kind = jr.kind_of(rec).value
        msg_id = self._send(kit, topics.KIT_UP_RECORD.build(kit_id=kit.id), "kit.record",
                            KitRecord(kind=kind, captured_at=self.clock.now_ms(), data=data, order_id=order_id))
        self.records.append((kind, order_id, msg_id))

    def _upload(self, kit: Kit, order_id: str, file_kind: str) -> dict[str, Any]:
        """A capture's file, announced and sent in one chunk on the kit's media topic."""
        content = f"{order_id}:{file_kind}:{self.clock.now_ms()}".encode()
        sha = hashlib.sha256(content).hexdigest()
        file_id = new_id(self.clock.now_ms())
        topic = topics.KIT_UP_MEDIA.build(kit_id=kit.id)
        self._send(kit, topic, "media.begin", {
            "file_id": file_id, "kind": file_kind, "content_type": "application/octet-stream", "size": len(content),
            "sha256": sha, "chunk_size": 256 * 1024, "chunks": 1, "captured_at": self.clock.now_ms(),
            "order_id": order_id, "sealed": False, "meta": {}})
        self._send(kit, topic, "media.chunk", {"file_id": file_id, "index": 0, "size": len(content), "sha256": sha,
                                               "data": base64.b64encode(content).decode()})
        return {"file_id": file_id, "sha256": sha, "kind": file_kind, "plain_sha256": sha, "size": len(content),
                "sealed": False}

    # -- whom a step is about ------------------------------------------------------------------------------
    def _order(self, pick: int) -> dict[str, Any] | None:
        if not self.orders:
            return None
        row = self.w.conn.execute("SELECT * FROM orders WHERE id = ?", (self.orders[pick % len(self.orders)],))
        return dict(row.fetchone())

    def _working(self, pick: int) -> tuple[Kit, str, str, dict[str, Any]] | None:
        """(kit, locksmith, order, the record base) for an order that has a locksmith."""
        order = self._order(pick)
        if order is None or not order["kit_id"]:
            return None
        kit = self.kits[order["kit_id"]]
        base = {"kit_id": kit.id, "locksmith_id": order["locksmith_id"],
                "position": jr.Position(SITE[0], SITE[1], 1, 9, 0.8)}
        return kit, order["locksmith_id"], order["id"], base

    # -- customers -----------------------------------------------------------------------------------------
    @precondition(lambda self: len(self.orders) < MAX_ORDERS)
    @rule(customer=st.sampled_from(("c-0", "c-1")), rule_=st.sampled_from(("eta", "quality", "grade")))
    def request(self, customer: str, rule_: str) -> None:
        self.orders.append(self.w.request(customer, rule=rule_))

    @rule(pick=st.integers(0, 5), yes=st.booleans())
    def decide(self, pick: int, yes: bool) -> None:
        order = self._order(pick)
        if order is not None:
            self.w.customer(order["customer_id"], "customer.decision", {"order_id": order["id"], "accept": yes})

    @rule(pick=st.integers(0, 5))
    def abandon(self, pick: int) -> None:
        order = self._order(pick)
        if order is not None:
            self.w.customer(order["customer_id"], "customer.abandon", {"order_id": order["id"]})

    @rule(pick=st.integers(0, 5), notified=st.booleans())
    def pay_online(self, pick: int, notified: bool = True) -> None:
        """The customer pays through the sandbox provider: `customer.pay` creates the payment, and the
        provider's signed notification reaches the webhook's handler (R-6), now or later (`provider_notifies`)."""
        order = self._order(pick)
        if order is None:
            return
        amount = int(order["prepayment_fen"]) + int(order["deposit_fen"])
        self.w.customer(order["customer_id"], "customer.pay", {"order_id": order["id"], "amount_fen": amount,
                                                               "provider": "sandbox", "external_ref": ""})
        if notified:
            self.provider_notifies(pick)

    @rule(pick=st.integers(0, 5))
    def provider_notifies(self, pick: int) -> None:
        """The provider's signed notification of the order's latest payment. After the order moved on the
        payment is late: kept in the customer's wallet, to be refunded."""
        order = self._order(pick)
        created = [m for m in self.w.inbox("customer", order["customer_id"], "customer.payment_created")
                   if m["order_id"] == order["id"]] if order is not None else []
        if not created:
            return
        headers, body = PAY_PROVIDERS["sandbox"].notification(  # type: ignore[attr-defined]
            created[-1]["trade_no"], created[-1]["amount_fen"], self.clock.now_ms())
        verdict = notifications.receive(self.w.conn, self.clock, "sandbox", headers, body)
        assert verdict.verdict in ("applied", "duplicate"), verdict

    # -- operators -----------------------------------------------------------------------------------------
    @rule(pick=st.integers(0, 5))
    def pay(self, pick: int) -> None:
        order = self._order(pick)
        if order is not None:
            self.w.ops("order.pay", {"order_id": order["id"], "amount_fen": FEN, "provider": "manual",
                                     "external_ref": f"r-{order['id']}-{pick}"})

    @rule(pick=st.integers(0, 5), op=st.sampled_from(("order.documents_verified", "order.dispute", "order.redispatch")))
    def operator(self, pick: int, op: str) -> None:
        order = self._order(pick)
        if order is not None:
            self.w.ops(op, {"order_id": order["id"]})

    @rule(customer=st.sampled_from(("c-0", "c-1")), part=st.integers(1, 3))
    def refund(self, customer: str, part: int) -> None:
        """An operator pays back what the customer has at the hub (cash, with a receipt)."""
        have = balance(self.w.conn, customer_account(customer))
        if have > 0:
            self.w.ops("ledger.refund", {"customer_id": customer, "receipt": f"RCPT-{self.w.mid()}",
                                         "amount_fen": max(1, have // part)})

    # -- the police, over their own signed message ---------------------------------------------------------
    @rule(pick=st.integers(0, 5), deposit=st.sampled_from(("release", "pay")),
          prepayment=st.sampled_from(("release", "pay")))
    def police_decide(self, pick: int, deposit: str, prepayment: str) -> None:
        """Hold by hold, as the police system asks: a decision for each hold frozen pending them (R-11)."""
        order = self._order(pick)
        if order is not None:
            frozen = {h.purpose for h in holds_of(self.w.conn, order["id"]) if h.state == "frozen_police"}
            self._send(self.police, topics.POLICE_DECISION.build(), "police.decision", PoliceDecision(
                order_id=order["id"], case_ref=f"CASE-{order['id']}", reason="checked at the station",
                deposit=deposit if "deposit" in frozen or not frozen else None,  # type: ignore[arg-type]
                prepayment=prepayment if "prepayment" in frozen or not frozen else None))  # type: ignore[arg-type]

    # -- kits ----------------------------------------------------------------------------------------------
    @rule(pick=st.integers(0, 5), accept=st.booleans())
    def answer_offer(self, pick: int, accept: bool) -> None:
        offers = self.w.conn.execute("SELECT * FROM offers WHERE state = 'open' ORDER BY id").fetchall()
        if offers:
            o = offers[pick % len(offers)]
            self._send(self.kits[o["kit_id"]], topics.KIT_UP_JOB.build(kit_id=o["kit_id"]),
                       "job.accept" if accept else "job.refuse", {"offer_id": o["id"]})

    @rule(pick=st.integers(0, 5), _=st.just(True))
    def set_out(self, pick: int, _: bool = True) -> None:
        if (job := self._working(pick)) is not None:
            kit, _lid, order_id, base = job
            self._record(kit, order_id, jr.SetOut(**base, step="set_out"))

    @rule(pick=st.integers(0, 5), right_code=st.booleans())
    def arrive(self, pick: int, right_code: bool) -> None:
        if (job := self._working(pick)) is not None:
            kit, _lid, order_id, base = job
            code = self.w.code(order_id) if right_code else "999999x"
            self._record(kit, order_id, jr.Arrived(**base, step="arrived", code_checked=True, code_attempts=1,
                                                   distance_m=12.5, max_distance_m=200.0), code=code)

    @rule(pick=st.integers(0, 5), enrolled=st.booleans())
    def verify(self, pick: int, enrolled: bool) -> None:
        """The locksmith's fingerprint, then the customer's identity."""
        self.verify_locksmith(pick, enrolled)
        self.identity(pick, True)

    @rule(pick=st.integers(0, 5), enrolled=st.booleans())
    def verify_locksmith(self, pick: int, enrolled: bool) -> None:
        if (job := self._working(pick)) is not None:
            kit, lid, order_id, base = job
            sha = fp_sha(lid, "right_index") if enrolled else "ee" * 32  # a template this locksmith never enrolled
            self._record(kit, order_id, jr.LocksmithVerified(**base, step="locksmith_verified", slot=0, score=180,
                                                             finger="right_index", template_sha256=sha))

    @rule(pick=st.integers(0, 5), uploaded=st.booleans())
    def identity(self, pick: int, uploaded: bool) -> None:
        """Consent, then the customer's photo, ID card photo and fingerprint (the last completes R-8)."""
        if (job := self._working(pick)) is None:
            return
        kit, _lid, order_id, base = job
        self._record(kit, order_id, jr.Consented(**base, step="consented", given=True,
                                                 text_version="pipl-biometric-consent-v1", customer_name="张三"))
        for kind, file_kind in ((jr.RecordKind.CUSTOMER_PHOTO, "photo.customer"),
                                (jr.RecordKind.ID_PHOTO, "photo.id_card"),
                                (jr.RecordKind.CUSTOMER_FINGERPRINT, "fingerprint.customer")):
            if uploaded:
                ref = self._upload(kit, order_id, file_kind)
            else:  # the record came, its file did not (yet)
                sha = hashlib.sha256(f"{order_id}:{file_kind}:missing".encode()).hexdigest()
                ref = {"file_id": new_id(self.clock.now_ms()), "sha256": sha, "kind": file_kind, "plain_sha256": sha,
                       "size": 10, "sealed": False}
            self._record(kit, order_id, jr.TYPES[kind](**base, step="", **ref))

    @rule(pick=st.integers(0, 5), _=st.just(True))
    def start(self, pick: int, _: bool = True) -> None:
        if (job := self._working(pick)) is not None:
            kit, _lid, order_id, base = job
            self._record(kit, order_id, jr.VideoStarted(**base, step="video_running"))

    @rule(pick=st.integers(0, 5), paid=st.booleans())
    def complete(self, pick: int, paid: bool) -> None:
        fee = 15_000 if paid else 0
        if (job := self._working(pick)) is not None:
            kit, _lid, order_id, base = job
            self._record(kit, order_id, jr.Completed(**base, step="completed", fee_fen=fee, payment_received=True))

    @rule(pick=st.integers(0, 5))
    def withdraw(self, pick: int) -> None:
        if (job := self._working(pick)) is not None:
            kit, _lid, order_id, base = job
            self._record(kit, order_id, jr.Aborted(**base, step="aborted", reason="flat tyre", by="locksmith",
                                                   at_step=""))

    # -- the natural next steps, so random walks reach the deep states too ----------------------------------
    @rule(pick=st.integers(0, 5), steps=st.integers(1, 8), detour=st.sampled_from(("", "dispute", "late")))
    def progress(self, pick: int, steps: int, detour: str) -> None:
        """Up to `steps` times, the step an order in its state waits for, by whoever takes it; with a detour
        the job is disputed once done, or the locksmith is late (the arrival deadline fires) or the
        documents are (the order becomes a police case)."""
        for _ in range(steps):
            order = self._order(pick)
            if order is None:
                return
            state = order["state"]
            if detour == "dispute" and state in ("completed", "awaiting_documents"):
                self.operator(pick, "order.dispute")
            elif detour == "late" and state in ("en_route", "awaiting_documents"):
                self.time_passes(3 * 86_400_000)
                detour = ""
            elif state == "dispatching":
                offer = self.w.live_offer(order["id"])
                if offer is None:
                    return
                self._send(self.kits[offer["kit_id"]], topics.KIT_UP_JOB.build(kit_id=offer["kit_id"]), "job.accept",
                           {"offer_id": offer["id"]})
            elif state == "awaiting_customer":
                self.decide(pick, True)
            elif state == "awaiting_payment":
                self.pay_online(pick) if pick % 2 == 0 else self.pay(pick)  # through the provider, or at the counter
            elif state in NEXT_KIT_STEP:
                getattr(self, NEXT_KIT_STEP[state])(pick, True)
            elif state in ("completed", "awaiting_documents"):
                self.operator(pick, "order.documents_verified")
            elif state in ("case_opened", "disputed"):
                self.police_decide(pick, "release", "pay")
            elif state == "unassigned":
                self.operator(pick, "order.redispatch")
            else:
                return

    # -- time ----------------------------------------------------------------------------------------------
    @rule(ms=st.sampled_from((1_000, 30_000, 600_000, 3_600_000, 3 * 86_400_000)))
    def time_passes(self, ms: int) -> None:
        """The service's periodic jobs at the new time: due timers fire (the arrival deadline among them)."""
        self.clock.advance(ms)
        self.wiring._last_run.clear()  # each periodic job runs at every step the clock moved
        self.wiring.periodic()

    # -- invariants ----------------------------------------------------------------------------------------
    @invariant()
    def ledger_balances(self) -> None:
        c = self.w.conn
        assert check(c) == [], check(c)  # each transfer sums to zero, the grand total is zero, nobody overdrawn
        negative = c.execute("SELECT account, sum(amount) FROM ledger_entries WHERE account LIKE 'escrow:%'"
                             " GROUP BY account HAVING sum(amount) < 0").fetchall()
        assert not negative, [tuple(r) for r in negative]

    @invariant()
    def states_moved_only_by_the_table(self) -> None:
        c = self.w.conn
        for order_id in self.orders:
            state = "new"
            for t in c.execute("SELECT event, from_state, to_state FROM order_transitions WHERE order_id = ?"
                               " ORDER BY seq", (order_id,)):
                assert t["from_state"] == state, (order_id, dict(t), state)
                legal = TABLE.get((t["from_state"], t["event"]))
                assert legal is not None and legal.to == t["to_state"], (order_id, dict(t))
                state = t["to_state"]
            assert c.execute("SELECT state FROM orders WHERE id = ?", (order_id,)).fetchone()[0] == state

    @invariant()
    def police_have_every_job_record(self) -> None:
        from hub import police_feed

        for kind, order_id, msg_id in self.records:
            if kind in jr.POLICE_KINDS:
                assert police_feed.has_entry(self.w.conn, kind, order_id, "record_id", msg_id), (kind, order_id)

    @invariant()
    def no_timer_waits_on_a_finished_order(self) -> None:
        c = self.w.conn
        for order_id in self.orders:
            if c.execute("SELECT state FROM orders WHERE id = ?", (order_id,)).fetchone()[0] not in FINAL:
                continue
            left = c.execute("SELECT kind, key FROM timers WHERE state = 'pending'"
                             " AND json_extract(payload_json, '$.order_id') = ?", (order_id,)).fetchall()
            assert all(t["kind"] in OUTLIVE_THE_ORDER for t in left), (order_id, [tuple(t) for t in left])


HubLifecycle.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_hub_lifecycle = HubLifecycle.TestCase


class HubLifecycleOnPostgresql(HubLifecycle):
    """The same walks on PostgreSQL: each on a copy of the template's database."""


def test_hub_lifecycle_on_postgresql(pg_cluster: Cluster) -> None:
    """Fewer walks than on SQLite (each copies a database): the same rules, invariants and seed."""
    HubLifecycleOnPostgresql.cluster = pg_cluster
    try:
        run_state_machine_as_test(HubLifecycleOnPostgresql, settings=settings(
            max_examples=10, stateful_step_count=40, deadline=None, derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    finally:
        HubLifecycleOnPostgresql.cluster = None


def test_only_the_follow_up_outlives_its_order() -> None:
    from hub.orders import job

    assert {job.FOLLOWUP_TIMER} == OUTLIVE_THE_ORDER
