"""A simulated city for hub domain tests: units, locksmiths with kits, customers, and the outbox as
each party's inbox. Kits and customers act through the same handlers the hub service calls: dispatch
answers as `job.accept`/`job.refuse`, the on-site job as `kit.record` job records built from
protocol.jobrecords exactly as the kit's JobFlow builds them (with the code proof made from the code the
customer was given, the hash of an enrolled template, the customer's captures uploaded first)."""

from __future__ import annotations

import itertools
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hub.db import Database, Postgres, open_hub_db
from hub.dispatch.kitjob import handle_kit_job
from hub.documents.scans import store_scan
from hub.domain import TIMER_HANDLERS
from hub.ingest.mediastore import MediaStore
from hub.ops import handle
from hub.ops.customer import handle_customer
from hub.orders import kitrecords, outbox
from hub.registry import kitsession, presence
from hub.registry.locksmiths import enroll_fingerprint, file_locksmith, link_kit
from hub.registry.units import file_unit
from hub.timers import fire_due
from lockwarden.demo import city
from protocol import jobrecords as jr
from protocol.clock import FakeClock
from protocol.messages.customer import UnlockRequest, Witness
from protocol.messages.ops import FingerprintEnroll, KitLink, LocksmithFiling, ServiceArea, UnitFiling
from protocol.service_code import PROOF_FIELD, arrival_proof, proof_key
from tests.images import ID_PHOTO, ID_PHOTO_SHA

SHA = ID_PHOTO_SHA  # every filing and request names this photo; World stores it as each party would
SITE = (39.9087, 116.3975)
OPERATOR = "operator:op1"
_seq = itertools.count(1)


def resident_id(serial: int, birth: str = "19800101") -> str:
    return city.resident_id(serial, birth, region="110105")


def credit_code(serial: int) -> str:
    return city.credit_code(serial, head="9111000060")


def fp_sha(locksmith_id: str, finger: str) -> str:
    import hashlib
    return hashlib.sha256(f"{locksmith_id}:{finger}".encode()).hexdigest()


class World:
    def __init__(self, path: Database, clock: FakeClock | None = None) -> None:
        self.path = path
        self.clock = clock or FakeClock()
        self.conn: sqlite3.Connection = open_hub_db(path)
        self.unit_id = ""
        self.kits: dict[str, str] = {}  # locksmith id -> kit id
        handle(self.conn, self.clock, "operator:root", "operator.add", {"id": "op1", "name": "Op One"},
               txn="boot", bootstrap=True)
        # A cheap scrypt cost keeps hundreds of simulated orders fast; production keeps the default.
        handle(self.conn, self.clock, OPERATOR, "settings.set", {"key": "code_scrypt_n", "value": "16"}, txn="s1")
        # beside the database; an in-memory one gets a temporary folder, never the working directory
        media_dir = Path(tempfile.mkdtemp(prefix="world-media-")) if isinstance(path, Postgres) or \
            str(path) == ":memory:" else Path(path).parent / f"{Path(path).name}.media"
        self.media = MediaStore(media_dir)
        self.uploaded: set[str] = set()
        self.upload("op1", "registry")  # the operator's filing images

    def upload(self, sender: str, kind: str = "identity") -> str:
        """The ID photo, as `sender` would upload it (once per sender and kind)."""
        if f"{sender}/{kind}" not in self.uploaded:
            store_scan(self.conn, self.media, self.clock, ID_PHOTO, sender=sender, order_id=None, kind=kind)
            self.uploaded.add(f"{sender}/{kind}")
        return SHA

    def reopen(self) -> None:
        """Simulate a hub restart: close the database and open it again."""
        self.conn.close()
        self.conn = open_hub_db(self.path)

    # --- registry -----------------------------------------------------------------------------
    def unit(self, serial: int = 1, status: str = "operating") -> str:
        self.unit_id = file_unit(self.conn, self.clock, OPERATOR, UnitFiling(
            name=f"安心开锁{serial}", address="北京市东城区", uscc=credit_code(serial), legal_rep_name="赵六",
            legal_rep_id=resident_id(900 + serial), filing_receipt_no=f"BA-{serial}", status=status))
        return self.unit_id

    def locksmith(self, *, lat: float = SITE[0], lon: float = SITE[1], at: tuple[float, float] | None = None,
                  grade: str = "senior", radius_km: float = 20.0, scope: dict[str, list[str]] | None = None,
                  online: bool = True, filed: bool = True, serial: int | None = None, logged_in: bool = True) -> str:
        if not self.unit_id:
            self.unit()
        s = serial if serial is not None else next(_seq)
        lid = file_locksmith(self.conn, self.clock, OPERATOR, LocksmithFiling(
            name=f"锁匠{s}", gender="male", ethnicity="汉", resident_id=resident_id(s), id_image_sha256=SHA,
            cert_no=f"C{s}", cert_image_sha256=SHA, grade=grade, photo_sha256=SHA, mobile="13800138000",
            unit_id=self.unit_id, area=ServiceArea(lat, lon, radius_km),
            scope=scope or {"A": ["open"], "B": ["open", "repair", "replace"], "B+": ["open"]},
            filing_receipt_no=f"F{s}" if filed else ""))
        kit = f"kit-{s}"
        link_kit(self.conn, self.clock, OPERATOR, KitLink(lid, kit))
        for finger in ("right_thumb", "right_index", "left_index"):
            enroll_fingerprint(self.conn, self.clock, OPERATOR, FingerprintEnroll(lid, finger, fp_sha(lid, finger), kit))
        if online:
            presence.kit_state(self.conn, self.clock, kit, True)
        if logged_in:  # as the kit's signed session.login record does (login first)
            kitsession.apply_session_record(self.conn, self.clock, kit, "session.login", {"locksmith_id": lid},
                                            self.clock.now_ms(), f"login-{kit}")
        pos = at or (lat, lon)
        presence.kit_position(self.conn, self.clock, kit, pos[0], pos[1])
        self.kits[lid] = kit
        return lid

    # --- customers ----------------------------------------------------------------------------
    def request(self, customer: str = "c-1", *, rule: str = "eta", lock_class: str = "B", category: str = "open",
                appointment_ms: int | None = None, site: tuple[float, float] = SITE) -> str:
        self.upload(customer)
        req = UnlockRequest(
            customer_name="张三", customer_mobile="13912345678", customer_id_number=resident_id(501, "19900101"),
            customer_id_image_sha256=SHA, witness=Witness("李四", resident_id(502, "19850101"), SHA),
            site_address="北京市东城区东长安街1号", site_lat=site[0], site_lon=site[1], category=category,
            lock_class=lock_class, rule=rule, appointment_ms=appointment_ms)
        handle_customer(self.conn, self.clock, customer, "customer.request",
                        {k: v for k, v in __import__("msgspec").to_builtins(req).items()}, msg_id=self.mid())
        result = self.last(customer, "customer.request_result")
        assert result["ok"], result
        return str(result["order_id"])

    def customer(self, customer: str, type_name: str, body: dict[str, Any]) -> None:
        handle_customer(self.conn, self.clock, customer, type_name, body, msg_id=self.mid())

    def kit(self, kit_id: str, type_name: str, body: dict[str, Any]) -> dict[str, Any]:
        mid = self.mid()
        handle_kit_job(self.conn, self.clock, kit_id, type_name, body, msg_id=mid)
        return next(m.body for m in reversed(outbox.for_recipient(self.conn, "kit", kit_id))
                    if m.type == "job.result" and m.body["ref"] == mid)

    # --- the on-site job, as the kit reports it ---------------------------------------------------
    def record(self, kit_id: str, order_id: str, rec: jr.JobRecord, *, code: str | None = None) -> dict[str, Any]:
        """One `kit.record` job record from `kit_id`, handled as the hub service handles a stored one.
        `code`: the service code typed on site (an arrival's proof is made with it, as JobFlow does)."""
        mid = self.mid()
        data = jr.encode(rec)
        if code is not None:  # JobFlow.arrive: the proof is made with the key the typed code gives
            body = next((m for m in reversed(self.inbox("kit", kit_id, "job.order")) if m["order_id"] == order_id),
                        None)
            key = proof_key(code, body["code_hash"]) if body is not None else None
            data[PROOF_FIELD] = arrival_proof(key or bytes(32), order_id, data)
        refused = kitrecords.receive(self.conn, self.clock, kit_id, jr.kind_of(rec).value, order_id, data,
                                     msg_id=mid, captured_ms=self.clock.now_ms())
        if refused is not None:
            return {"ok": False, "code": refused.code, "message": refused.message, "msg_id": mid}
        return {"ok": True, "state": self.state(order_id), "msg_id": mid}

    def job(self, lid: str, order_id: str) -> KitJob:
        return KitJob(self, lid, order_id)

    def kit_file(self, kit_id: str, order_id: str, kind: str, data: bytes) -> dict[str, Any]:
        """A file the kit uploaded for the order, as ingest stores a complete one; -> the record's file fields."""
        import hashlib
        import json

        from protocol.ids import new_id

        sha = self.media.put(data)
        now = self.clock.now_ms()
        file_id = new_id(now)
        self.conn.execute(
            "INSERT INTO media_files(file_id, sender, kind, content_type, order_id, size, sha256, chunk_size, chunks,"
            " sealed, captured_ms, meta, begin_id, status, received_ms, completed_ms)"
            " VALUES (?,?,?,?,?,?,?,?,1,0,?,?,?,'complete',?,?)",
            (file_id, kit_id, kind, "application/octet-stream", order_id, len(data), sha, max(1, len(data)), now,
             json.dumps({}), file_id, now, now))
        return {"file_id": file_id, "sha256": sha, "kind": kind, "plain_sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data), "sealed": False}

    def code(self, order_id: str) -> str:
        """The service code the order's customer was given ("" before the order was formed)."""
        row = self.conn.execute("SELECT customer_id FROM orders WHERE id = ?", (order_id,)).fetchone()
        sent = [m for m in self.inbox("customer", row[0], "customer.order_success") if m["order_id"] == order_id]
        return str(sent[-1]["service_code"]) if sent else ""

    def ops(self, op: str, args: dict[str, Any]) -> dict[str, Any]:
        return handle(self.conn, self.clock, OPERATOR, op, args, txn=self.mid())

    # --- inboxes ------------------------------------------------------------------------------
    def inbox(self, audience: str, recipient: str, type_name: str | None = None) -> list[dict[str, Any]]:
        return [m.body for m in outbox.for_recipient(self.conn, audience, recipient)
                if type_name is None or m.type == type_name]

    def last(self, customer: str, type_name: str) -> dict[str, Any]:
        return self.inbox("customer", customer, type_name)[-1]

    def offers_to(self, lid: str) -> list[dict[str, Any]]:
        return self.inbox("kit", self.kits[lid], "job.offer")

    def live_offer(self, order_id: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM offers WHERE order_id = ? AND state = 'open'", (order_id,)).fetchone()

    def state(self, order_id: str) -> str:
        return str(self.conn.execute("SELECT state FROM orders WHERE id = ?", (order_id,)).fetchone()[0])

    def tick(self, ms: int) -> int:
        self.clock.advance(ms)
        return fire_due(self.conn, self.clock, TIMER_HANDLERS)

    def mid(self) -> str:
        from protocol.ids import new_id
        return new_id(self.clock.now_ms())


class KitJob:
    """The kit of `lid` working `order_id`: each method sends the record JobFlow sends for that step."""

    def __init__(self, world: World, lid: str, order_id: str) -> None:
        self.w = world
        self.lid = lid
        self.kit = world.kits[lid]
        self.order = order_id

    def _base(self, step: str = "") -> dict[str, Any]:
        return {"kit_id": self.kit, "locksmith_id": self.lid, "position": jr.Position(SITE[0], SITE[1], 1, 9, 0.8),
                "step": step}

    def send(self, rec: jr.JobRecord, *, code: str | None = None) -> dict[str, Any]:
        return self.w.record(self.kit, self.order, rec, code=code)

    def set_out(self) -> dict[str, Any]:
        return self.send(jr.SetOut(**self._base("set_out")))

    def arrive(self, code: str | None = None) -> dict[str, Any]:
        """With the customer's code unless another is given (a wrong one makes a proof that cannot verify)."""
        return self.send(jr.Arrived(**self._base("arrived"), code_checked=True, code_attempts=1, distance_m=12.5,
                                    max_distance_m=200.0), code=code if code is not None else self.w.code(self.order))

    def verify_locksmith(self, finger: str = "right_index", template_sha256: str | None = None) -> dict[str, Any]:
        sha = template_sha256 if template_sha256 is not None else fp_sha(self.lid, finger)
        return self.send(jr.LocksmithVerified(**self._base("locksmith_verified"), slot=0, score=180, finger=finger,
                                              template_sha256=sha))

    def consent(self, given: bool = True) -> dict[str, Any]:
        cls = jr.Consented if given else jr.ConsentRefused
        return self.send(cls(**self._base("consented" if given else "consent_refused"), given=given,
                             text_version="pipl-biometric-consent-v1", customer_name="张三"))

    def capture(self, kind: jr.RecordKind, file_kind: str, *, upload: bool = True) -> dict[str, Any]:
        content = f"{self.order}:{file_kind}".encode()
        if upload:
            ref = self.w.kit_file(self.kit, self.order, file_kind, content)
        else:
            import hashlib
            sha = hashlib.sha256(content).hexdigest()
            ref = {"file_id": self.w.mid(), "sha256": sha, "kind": file_kind, "plain_sha256": sha,
                   "size": len(content), "sealed": False}
        cls = jr.TYPES[kind]
        return self.send(cls(**self._base(), **ref))

    def identity(self, *, upload: bool = True) -> dict[str, Any]:
        """Consent, then the customer's photo, ID card photo and fingerprint (the last completes R-8)."""
        self.consent()
        self.capture(jr.RecordKind.CUSTOMER_PHOTO, "photo.customer", upload=upload)
        self.capture(jr.RecordKind.ID_PHOTO, "photo.id_card", upload=upload)
        return self.capture(jr.RecordKind.CUSTOMER_FINGERPRINT, "fingerprint.customer", upload=upload)

    def start(self) -> dict[str, Any]:
        return self.send(jr.VideoStarted(**self._base("video_running")))

    def complete(self, fee_fen: int = 15_000) -> dict[str, Any]:
        return self.send(jr.Completed(**self._base("completed"), fee_fen=fee_fen, payment_received=True))

    def abort(self, reason: str = "", by: str = "locksmith", at_step: str = "") -> dict[str, Any]:
        return self.send(jr.Aborted(**self._base("aborted"), reason=reason, by=by, at_step=at_step))

    def walk(self, until: str = "completed", fee_fen: int = 15_000) -> None:
        """Every step up to and including `until` (set_out, arrived, verified, started, completed); each must
        be accepted."""
        steps = [("set_out", self.set_out), ("arrived", self.arrive),
                 ("verified", lambda: (self.verify_locksmith(), self.identity())[-1]), ("started", self.start),
                 ("completed", lambda: self.complete(fee_fen))]
        for name, act in steps:
            result = act()
            assert result["ok"], (name, result)
            if name == until:
                return
