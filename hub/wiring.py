"""Wiring the hub's domain into the service: which handler each inbound message type reaches, and the
periodic work (timers, the domain outbox, police forwarding). Handlers run inside the ingest batch's
transaction, so a message is stored and acted on exactly once, or neither."""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any

import msgspec

from hub.dispatch.kitjob import KIT_TYPES, handle_kit_job
from hub.evidence.tracker import EvidenceTracker
from hub.ingest.ingest import Accepted, Outgoing
from hub.ops import handle as handle_ops
from hub.ops.customer import CUSTOMER_TYPES, handle_customer
from hub.orders import outbox, police_decision, tracking
from hub.orders.kitrecords import apply_kit_record
from hub.registry import kit_enrolment, presence
from hub.registry.errors import DomainError
from hub.timers import fire_due
from protocol import topics
from protocol.clock import Clock
from protocol.keys import load_sealing_public
from protocol.messages.kit import KitRecord, KitState
from protocol.messages.ops import OpsRequest
from protocol.messages.police import PoliceDecision
from protocol.transport.base import Delivery

RESEND_AFTER_S = 30.0

log = logging.getLogger(__name__)


class DomainWiring:
    def __init__(self, conn: sqlite3.Connection, clock: Clock) -> None:
        self.conn = conn
        self.clock = clock
        self.app: Any = None
        self._inflight: dict[int, tuple[bytes, Delivery | None, float]] = {}

    def install(self, app: Any) -> None:
        self.app = app
        ingest = app.ingest
        for t in KIT_TYPES:
            ingest.on(t, self.kit_job)
        for t in CUSTOMER_TYPES:
            ingest.on(t, self.customer)
        ingest.on("ops.request", self.ops_request)
        ingest.on("kit.state", self.kit_state)
        ingest.on("kit.record", self.kit_record)
        ingest.on("police.decision", self.police_decision)
        police = app.settings.police_sealing_key
        self.evidence = EvidenceTracker(
            self.clock, ingest.principals, media=ingest.media, hub_sealing=app.home.sealing_key().private,
            police_sealing=load_sealing_public(police) if police else None)
        ingest.on_media_complete.append(self.media_complete)
        app.tickers.append(self.timers)
        app.tickers.append(self.domain_outbox)

    # -- inbound --------------------------------------------------------------------------------------
    def kit_job(self, conn: sqlite3.Connection, acc: Accepted) -> list[Outgoing]:
        handle_kit_job(conn, self.clock, acc.env.sender, acc.env.type, acc.body, msg_id=acc.env.id)
        return []  # the answer (job.result) and the next offers are in the domain outbox

    def customer(self, conn: sqlite3.Connection, acc: Accepted) -> list[Outgoing]:
        handle_customer(conn, self.clock, acc.env.sender, acc.env.type, acc.body, msg_id=acc.env.id)
        return []

    def ops_request(self, conn: sqlite3.Connection, acc: Accepted) -> list[Outgoing]:
        req = acc.body
        assert isinstance(req, OpsRequest)
        response = handle_ops(conn, self.clock, acc.env.sender, req.op, req.args, txn=req.txn)
        return [Outgoing(topics.OPS_RESP.build(operator_id=acc.env.sender), "ops.response", response)]

    def police_decision(self, conn: sqlite3.Connection, acc: Accepted) -> list[Outgoing]:
        body = acc.body
        assert isinstance(body, PoliceDecision)
        result = police_decision.handle(conn, self.clock, acc.env.sender, acc.env.id, body)
        # Answered like an ops request: published once the batch is committed. A lost answer is asked for
        # again with the same decision id, which is answered from the stored decision.
        return [Outgoing(topics.POLICE_DECISION_RESP.build(), "police.decision_result", msgspec.to_builtins(result))]

    def kit_state(self, conn: sqlite3.Connection, acc: Accepted) -> list[Outgoing]:
        body = acc.body
        assert isinstance(body, KitState)
        # Birth and will of one connection share `since`; a will of an older connection arriving after a
        # newer birth is stale (ingest kept the newest `since` in kit_link_state).
        row = conn.execute("SELECT since_ms FROM kit_link_state WHERE kit_id=?", (acc.env.sender,)).fetchone()
        if row is not None and body.since < row[0]:
            return []
        presence.kit_state(conn, self.clock, acc.env.sender, body.status == "online")
        return []

    def kit_record(self, conn: sqlite3.Connection, acc: Accepted) -> list[Outgoing]:
        rec = acc.body
        assert isinstance(rec, KitRecord)
        kit_id = acc.env.sender
        if rec.kind == "gnss.position" and "lat" in rec.data and "lon" in rec.data:
            presence.kit_position(conn, self.clock, kit_id, float(rec.data["lat"]), float(rec.data["lon"]),
                                  at_ms=rec.captured_at)
            tracking.on_position(conn, self.clock, kit_id, float(rec.data["lat"]), float(rec.data["lon"]),
                                 at_ms=rec.captured_at)  # the customer watches the locksmith approach
        if rec.kind == "gnss.position":
            return []  # a position is not an order event and never completes a bundle
        if rec.kind == "job.evidence_bundle":
            self.evidence.on_bundle(conn, kit_id, acc.env.id, rec.order_id, rec.data)
        elif conn.execute("SELECT 1 FROM evidence_bundles WHERE kit_id=? AND status='incomplete' LIMIT 1",
                          (kit_id,)).fetchone():
            self.evidence.recheck(conn, kit_id)
        try:
            if rec.kind == kit_enrolment.RECORD_KIND:
                kit_enrolment.apply_enrolment(conn, self.clock, kit_id, rec.data)
            else:
                apply_kit_record(conn, self.clock, kit_id, rec.kind, rec.order_id, rec.data, msg_id=acc.env.id)
        except DomainError as exc:
            # Stored as evidence all the same (ingest already has it); the refusal is told to the kit
            # and to the operators, never silently dropped.
            outbox.event(conn, self.clock, "kit_record_refused", kit_id=kit_id, order_id=rec.order_id,
                         record_kind=rec.kind, code=exc.code, message=exc.message)
        return []

    def media_complete(self, conn: sqlite3.Connection, file_id: str) -> None:
        row = conn.execute("SELECT sender FROM media_files WHERE file_id=?", (file_id,)).fetchone()
        if row is not None:
            self.evidence.recheck(conn, row[0])

    # -- periodic -------------------------------------------------------------------------------------
    def timers(self) -> list[Outgoing]:
        fire_due(self.conn, self.clock)
        return []

    def domain_outbox(self) -> list[Outgoing]:
        """Publish what the domain queued. A row is marked sent only once the broker acknowledged it
        (paho keeps unacknowledged messages in RAM only); until then the same signed bytes are kept, so a
        resend carries the same message id and the receiver processes it once."""
        now = time.monotonic()
        done = [seq for seq, (_wire, handle, _t) in self._inflight.items() if handle is not None and handle.is_published()]
        if done:
            outbox.mark_sent(self.conn, self.clock, done)
            for seq in done:
                self._inflight.pop(seq, None)
        for m in outbox.pending(self.conn, limit=500):
            entry = self._inflight.get(m.seq)
            if entry is not None and entry[1] is not None and now - entry[2] < RESEND_AFTER_S:
                continue
            topic = self._topic(m.audience, m.recipient)
            wire = entry[0] if entry is not None else self.app.sign(m.type, m.body)
            handle = self.app.publish_wire(topic, wire)
            self._inflight[m.seq] = (wire, handle, now)
        return []

    @staticmethod
    def _topic(audience: str, recipient: str) -> str:
        if audience == "kit":
            return topics.KIT_DOWN_JOB.build(kit_id=recipient)
        if audience == "customer":
            return topics.CUSTOMER_DOWN.build(customer_id=recipient)
        if recipient in ("", outbox.OPS_BROADCAST):
            return topics.OPS_EVENTS.build()
        return topics.OPS_RESP.build(operator_id=recipient)

