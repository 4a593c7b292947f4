"""Wiring the hub's domain into the service: which handler each inbound message type reaches, the domain's
periodic jobs (hub/domain.py PERIODIC: timers, follow-ups, risk) and publishing the domain outbox. No
domain decisions here: each handler hands the message to the module it is about. Handlers run inside the
ingest batch's transaction, so a message is stored and acted on exactly once, or neither."""

from __future__ import annotations

import logging
import time
from typing import Any

import msgspec

from hub.db import Conn
from hub.dispatch.kitjob import KIT_TYPES, handle_kit_job
from hub.domain import PERIODIC
from hub.evidence.tracker import EvidenceTracker
from hub.ingest.ingest import Accepted, Outgoing
from hub.kit_records import on_kit_record
from hub.ops import handle as handle_ops
from hub.ops.customer import CUSTOMER_TYPES, handle_customer
from hub.orders import outbox, police_decision
from hub.registry import presence
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
    def __init__(self, conn: Conn, clock: Clock) -> None:
        self.conn = conn
        self.clock = clock
        self.app: Any = None
        self._inflight: dict[int, tuple[bytes, Delivery | None, float]] = {}
        self._last_run: dict[str, int] = {}
        self._presence_checked = 0.0
        self._silence = presence.SilenceWatch()

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
        app.tickers.append(self.periodic)
        app.tickers.append(self.presence)
        app.tickers.append(self.domain_outbox)

    # -- inbound --------------------------------------------------------------------------------------
    def kit_job(self, conn: Conn, acc: Accepted) -> list[Outgoing]:
        handle_kit_job(conn, self.clock, acc.env.sender, acc.env.type, acc.body, msg_id=acc.env.id)
        return []  # the answer (job.result) and the next offers are in the domain outbox

    def customer(self, conn: Conn, acc: Accepted) -> list[Outgoing]:
        handle_customer(conn, self.clock, acc.env.sender, acc.env.type, acc.body, msg_id=acc.env.id)
        return []

    def ops_request(self, conn: Conn, acc: Accepted) -> list[Outgoing]:
        req = acc.body
        assert isinstance(req, OpsRequest)
        response = handle_ops(conn, self.clock, acc.env.sender, req.op, req.args, txn=req.txn)
        return [Outgoing(topics.OPS_RESP.build(operator_id=acc.env.sender), "ops.response", response)]

    def police_decision(self, conn: Conn, acc: Accepted) -> list[Outgoing]:
        body = acc.body
        assert isinstance(body, PoliceDecision)
        result = police_decision.handle(conn, self.clock, acc.env.sender, acc.env.id, body)
        # Answered like an ops request: published once the batch is committed. A lost answer is asked for
        # again with the same decision id, which is answered from the stored decision.
        return [Outgoing(topics.POLICE_DECISION_RESP.build(), "police.decision_result", msgspec.to_builtins(result))]

    def kit_state(self, conn: Conn, acc: Accepted) -> list[Outgoing]:
        body = acc.body
        assert isinstance(body, KitState)
        presence.kit_state_message(conn, self.clock, acc.env.sender, body.status == "online", body.since)
        return []

    def kit_record(self, conn: Conn, acc: Accepted) -> list[Outgoing]:
        rec = acc.body
        assert isinstance(rec, KitRecord)
        on_kit_record(conn, self.clock, self.evidence, acc.env.sender, acc.env.id, rec)
        return []

    def media_complete(self, conn: Conn, file_id: str) -> None:
        row = conn.execute("SELECT sender FROM media_files WHERE file_id=?", (file_id,)).fetchone()
        if row is not None:
            self.evidence.recheck(conn, row[0])

    # -- periodic -------------------------------------------------------------------------------------
    def periodic(self) -> list[Outgoing]:
        """The domain's periodic jobs (hub/domain.py PERIODIC), each at its own pace."""
        now = self.clock.now_ms()
        for job in PERIODIC:
            last = self._last_run.get(job.name)
            if last is not None and now - last < job.every_ms:
                continue
            self._last_run[job.name] = now
            job.run(self.conn, self.clock)
        return []

    def presence(self) -> list[Outgoing]:
        """At most once a second (scheduling, not domain time): kits silent past their deadline go offline."""
        now = time.monotonic()
        if now - self._presence_checked >= 1.0:
            self._presence_checked = now
            gone = self._silence.check(self.conn, self.clock, now)
            if gone:
                log.warning("kits silent past their heartbeat deadline, now offline: %s", ", ".join(gone))
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

