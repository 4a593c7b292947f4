"""JobFlow: the on-site job on the kit, step by step, as a Python API for the kit service, UI and CLI.

Every step is checked against the one table in `edge.job.steps`, then committed as a signed `kit.record`
(tied to the order, the kit, the locksmith, the GNSS position and the time) before the job's state moves.
The flow is safe to construct in several processes over the same data dir (the kit service and the
step-by-step CLI); the recorder of the video is the only long-lived piece (see `resume`).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import msgspec

from edge.job import legacy_recorder, video
from edge.job.bundle import manifest_for
from edge.job.config import JobSettings, LocksmithProfile
from edge.job.devices import Devices, Fix
from edge.job.form import build_form
from edge.job.geo import distance_m, within_arrival
from edge.job.idnumber import IdEntry, resolve
from edge.job.idstep import record_entry, wiped
from edge.job.order import OrderInfo
from edge.job.session import Sessions
from edge.job.state import JobDB, JobRow, Session
from edge.job.steps import FINAL, RECORD_KIND, STEP_FOR_KIND, TRANSITIONS, Step, StepRefused, check
from edge.store import KitStore, StoredFile, StoredRecord
from protocol.envelope import canonical
from protocol.evidence import EvidenceManifest, manifest_digest
from protocol.i18n import _
from protocol.jobrecords import BadRecord, RecordKind, decode
from protocol.regform import POLICE_COPY_KIND, RegistrationForm, form_from_data, masked_copy, render_text
from protocol.service_code import PROOF_FIELD, arrival_proof, proof_key

log = logging.getLogger(__name__)

VIDEO_STEPS = frozenset({Step.VIDEO_RUNNING, Step.LOCK_BEFORE, Step.OPENED, Step.LOCK_AFTER})
CONSENT_TEXT_VERSION = "pipl-biometric-consent-v1"
# Not a step: a record of the job's evidence the hub keeps without moving the order (an unknown job kind).
ID_REVEALED_KIND = "kit.id_number_revealed"
# Steps that need no logged-in locksmith: the hub's own actions and the final seal of an aborted job.
NO_SESSION = frozenset({Step.ASSIGNED, Step.ABORTED, Step.SEALED})


def consent_statement() -> str:
    """What the customer agrees to (version CONSENT_TEXT_VERSION): shown by the UI, recorded by the flow."""
    return _("I agree that my photo, my ID card photo and my fingerprint are recorded for this "
             "unlock job and shared only with the platform and the police.")


Observer = Callable[["JobView", Step, StoredRecord], None]


@dataclass(frozen=True)
class JobView:
    order: OrderInfo
    step: Step
    next_steps: list[Step]
    info: dict[str, Any]
    history: list[tuple[Step, str, int]] = field(default_factory=list)
    video_paused: bool = False  # the video writes nothing for now: the kit's disk is full (recorder.py)

    @property
    def order_id(self) -> str:
        return self.order.order_id


F = TypeVar("F", bound=Callable[..., Any])


def _serialised(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(self: JobFlow, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return fn(self, *args, **kwargs)

    return cast(F, wrapper)


class JobFlow:
    def __init__(
        self,
        store: KitStore,
        devices: Devices,
        *,
        settings: JobSettings | None = None,
        locksmiths: list[LocksmithProfile] | None = None,
        job_db: Path | None = None,
    ) -> None:
        self.store = store
        self.devices = devices
        self.settings = settings or JobSettings()
        self.locksmiths = {p.locksmith_id: p for p in (locksmiths or [])}
        self.db = JobDB(job_db or store.dir / "job.db", store.keys)
        self.sessions = Sessions(store, self.db, devices.fingerprint, self.settings, self.locksmiths, self.position)
        self.observers: list[Observer] = []  # told after each step (UI refresh, hub notifications)
        # One step at a time: the UI thread and the sync engine's downlink (a cancellation) may both act.
        self._lock = threading.RLock()
        self.reconcile()

    def close(self) -> None:
        self.devices.close()
        self.db.close()

    # -- views ----------------------------------------------------------------------------------------
    def job(self, order_id: str | None = None) -> JobView:
        row = self._row(order_id)
        return self._view(row)

    def jobs(self, *, include_sealed: bool = False) -> list[JobView]:
        rows = self.db.all() if include_sealed else self.db.active()
        return [self._view(r) for r in rows]

    def session(self) -> Session | None:
        """Who is logged in now (None also once the login lapsed for idleness: edge/job/session.py)."""
        return self.sessions.current()

    def _view(self, row: JobRow) -> JobView:
        nexts = sorted(TRANSITIONS[row.step], key=list(Step).index)
        paused = row.step in VIDEO_STEPS and self.devices.camera.paused_for_space(
            video.work_dir(self.store, row.order_id))
        return JobView(OrderInfo.from_dict(row.order), row.step, nexts, row.info, self.db.steps(row.order_id),
                       paused)

    def _row(self, order_id: str | None) -> JobRow:
        if order_id is None:
            active = self.db.active()
            if len(active) > 1:
                raise StepRefused(_("Several jobs are open: give the order number"))
            if not active:
                done = self.db.all()  # the last job, so "show" still answers after the seal
                if not done:
                    raise StepRefused(_("No job on this kit"))
                return max(done, key=lambda r: (r.updated_ms, r.created_ms))
            return active[0]
        row = self.db.get(order_id)
        if row is None:
            raise StepRefused(_("No order {order_id} on this kit").format(order_id=order_id))
        return row

    # -- recording a step -----------------------------------------------------------------------------
    def position(self) -> Fix | None:
        try:
            return self.devices.position.fix()
        except Exception as exc:  # a GNSS fault must not stop the job; the record says there was no fix
            log.warning("no position: %s", exc)
            return None

    def _record(self, kind: RecordKind, row: JobRow, data: dict[str, Any], fix: Fix | None = None, *,
                code_key: bytes | None = None) -> StoredRecord:
        """Commit one job record, in the shape protocol.jobrecords defines for `kind` (what the hub decodes).
        `code_key` (arrival): the proof of the service code is computed over the record's final fields."""
        fix = fix if fix is not None else self.position()
        full = {"kit_id": self.store.identity.kit_id, "locksmith_id": row.locksmith_id,
                "position": fix.as_dict() if fix else None, **data}
        try:
            decode(kind, full)  # what the hub will decode: a record that does not fit is never sent
        except BadRecord as exc:  # a defect of this module, never the person's doing: refuse, record nothing
            # The decoder's words name fields and types: for the log and the maintainers, not the locksmith.
            log.error("job record %s of order %s does not fit its contract, step refused: %s", kind, row.order_id, exc)
            raise StepRefused(_("The kit could not record this step because of a fault in its software. Tell the "
                                "hub operator; the details are in the kit's log.")) from exc
        if code_key is not None:
            full[PROOF_FIELD] = arrival_proof(code_key, row.order_id, full)
        return self.store.add_record(kind, full, order_id=row.order_id)

    def _step(self, row: JobRow, step: Step, data: dict[str, Any], *, info: dict[str, Any] | None = None,
              fix: Fix | None = None, code_key: bytes | None = None) -> StoredRecord:
        check(row.step, step)
        if step not in NO_SESSION:
            self._require_session(row)
        if info:
            # Before the record: after a crash the info may describe a step that did not happen, which is
            # harmless (the step is redone and overwrites it); the opposite would lose it.
            self.db.merge_info(row.order_id, info)
        rec = self._record(RECORD_KIND[step], row, {"step": step.value, **data}, fix, code_key=code_key)
        self.db.advance(row.order_id, step, rec.id, rec.captured_ms)
        if step not in NO_SESSION:
            self.sessions.touch()
        view = self.job(row.order_id)
        for fn in list(self.observers):
            try:
                fn(view, step, rec)
            except Exception:  # an observer (UI, notifier) never undoes a committed step
                log.exception("job observer failed")
        return rec

    def _require_session(self, row: JobRow) -> Session:
        session = self.sessions.current()
        if session is None:
            raise StepRefused(_("No locksmith is logged in on this kit"))
        if session.locksmith_id != row.locksmith_id:
            raise StepRefused(_("This order belongs to another locksmith ({locksmith})").format(
                locksmith=row.locksmith_id))
        return session

    def reconcile(self) -> None:
        """Bring job.db up to the signed records after a crash between a record and its state update."""
        for row in self.db.active():
            known = {rid for _s, rid, _t in self.db.steps(row.order_id)}
            for rec in self.store.records_for_order(row.order_id):
                step = STEP_FOR_KIND.get(rec.kind)
                if step is not None and rec.id not in known:
                    self.db.advance(row.order_id, step, rec.id, rec.captured_ms)

    # -- downlink from the hub ------------------------------------------------------------------------
    @_serialised
    def on_order_assigned(self, body: dict[str, Any]) -> JobView:
        """The hub formed an order for this kit's locksmith (idempotent: redelivery changes nothing)."""
        order = OrderInfo.from_body(body)
        now = self.store.clock.now_ms()
        self.db.create(order.order_id, order.locksmith_id, order.to_dict(), now)
        row = self._row(order.order_id)
        if not any(s == Step.ASSIGNED for s, _r, _t in self.db.steps(order.order_id)):
            rec = self._record(RECORD_KIND[Step.ASSIGNED], row, {"step": Step.ASSIGNED.value})
            self.db.advance(order.order_id, Step.ASSIGNED, rec.id, rec.captured_ms)
            row = self._row(order.order_id)
        session = self.sessions.current()
        if row.step == Step.ASSIGNED and session and session.locksmith_id == row.locksmith_id:
            self._login_step(row, session)
        return self.job(order.order_id)

    @_serialised
    def on_order_cancelled(self, body: dict[str, Any]) -> JobView | None:
        """The hub cancelled the order: stop work, record why, seal what exists."""
        order_id = str(body.get("order_id", ""))
        row = self.db.get(order_id)
        if row is None or row.step in FINAL:
            return None
        if row.step != Step.ABORTED and Step.ABORTED in TRANSITIONS[row.step]:
            self.abort(order_id, _("cancelled by the hub") + ": " + str(body.get("reason", "")), by="hub")
        if self._row(order_id).step == Step.ABORTED:
            self.seal(order_id)
        return self.job(order_id)

    def downlink_handlers(self) -> dict[str, Callable[[Any, msgspec.Struct], None]]:
        """type name -> handler(envelope, body) for the sync engine's downlink dispatch."""
        return {
            "job.order": lambda _env, body: self._quiet(self.on_order_assigned, msgspec.to_builtins(body)),
            "job.cancelled": lambda _env, body: self._quiet(self.on_order_cancelled, msgspec.to_builtins(body)),
        }

    @staticmethod
    def _quiet(fn: Callable[[dict[str, Any]], object], body: dict[str, Any]) -> None:
        try:
            fn(body)
        except StepRefused as exc:  # e.g. a cancellation after completion: nothing to undo
            log.info("downlink not applied: %s", exc)

    # -- session (step 1) ----------------------------------------------------------------------------
    @_serialised
    def login_fingerprint(self) -> Session:
        return self._logged_in(self.sessions.login_fingerprint())

    @_serialised
    def login_pin(self, locksmith_id: str, pin: str) -> Session:
        """The fallback login; the `job.logged_in` step records `fallback: true`."""
        return self._logged_in(self.sessions.login_pin(locksmith_id, pin))

    @_serialised
    def login_password(self, locksmith_id: str, password: str) -> Session:
        return self._logged_in(self.sessions.login_password(locksmith_id, password))

    @_serialised
    def login_pattern(self, locksmith_id: str, dots: list[int]) -> Session:
        return self._logged_in(self.sessions.login_pattern(locksmith_id, dots))

    @_serialised
    def touch_session(self) -> None:
        """The locksmith did something on the kit that is not a step (answered an offer, set out)."""
        self.sessions.touch()

    @_serialised
    def logout(self) -> None:
        self.sessions.logout()

    def _logged_in(self, session: Session) -> Session:
        for row in self.db.active():
            if row.step == Step.ASSIGNED and row.locksmith_id == session.locksmith_id:
                self._login_step(row, session)
        return session

    def _login_step(self, row: JobRow, session: Session) -> None:
        self._step(row, Step.LOGGED_IN, {"method": session.method, "fallback": session.method != "fingerprint",
                                         "session_record": session.record_id, "session_since": session.since_ms})

    # -- setting out (R-7) -------------------------------------------------------------------------------
    @_serialised
    def set_out(self, order_id: str | None = None) -> JobView:
        """The locksmith leaves for the site: a `job.set_out` record like every other step (the hub moves the
        order to en route; from here an abandoning customer owes the prepayment)."""
        row = self._row(order_id)
        self._step(row, Step.SET_OUT, {})
        return self.job(row.order_id)

    # -- step 2: arrival and the service code -----------------------------------------------------------
    @_serialised
    def arrive(self, code: str, order_id: str | None = None) -> JobView:
        row = self._row(order_id)
        check(row.step, Step.ARRIVED)
        self._require_session(row)
        order = OrderInfo.from_dict(row.order)
        if row.code_attempts >= self.settings.code_max_attempts:
            raise StepRefused(_("Too many wrong service codes for this order: call the hub"))
        if not order.code_hash:
            raise StepRefused(_("The order carries no service code to check: call the hub"))
        try:
            key = proof_key(code, order.code_hash)  # None: a wrong code
        except ValueError:
            key = None
        if key is None:
            attempt = self.db.count_code_attempt(row.order_id)
            left = max(0, self.settings.code_max_attempts - attempt)
            self._record(RecordKind.CODE_REJECTED, row, {"attempt": attempt, "attempts_left": left})
            raise StepRefused(_("The service code is wrong ({left} attempts left)").format(left=left))
        fix = self.position()
        dist = measured = None
        if fix is not None and order.site_lat is not None and order.site_lon is not None:
            measured = distance_m(fix.lat, fix.lon, order.site_lat, order.site_lon)
            dist = round(measured, 1)
        flagged = measured is None or not within_arrival(measured, self.settings.arrival_max_distance_m)
        data = {"code_checked": True, "code_attempts": row.code_attempts + 1, "distance_m": dist,
                "max_distance_m": self.settings.arrival_max_distance_m, "flagged": flagged,
                "flag_reason": "" if not flagged else ("no_position" if dist is None else "far_from_site")}
        self._step(row, Step.ARRIVED, data, info={"distance_m": dist, "arrival_flagged": flagged}, fix=fix,
                   code_key=key)
        return self.job(row.order_id)

    # -- step 3: the locksmith's fingerprint for this order ---------------------------------------------
    @_serialised
    def verify_locksmith(self, order_id: str | None = None) -> JobView:
        row = self._row(order_id)
        check(row.step, Step.LOCKSMITH_VERIFIED)
        self._require_session(row)
        try:
            match = self.devices.fingerprint.verify()
        except Exception as exc:  # no finger, no match, sensor fault: the attempt is on record either way
            self._record(RecordKind.LOCKSMITH_REJECTED, row, {"error": str(exc)[:300]})
            raise
        profile = self.sessions.profile_for_slot(match.slot)
        if profile is None or profile.locksmith_id != row.locksmith_id or \
                match.score < self.settings.fingerprint_min_score:
            self._record(RecordKind.LOCKSMITH_REJECTED, row, {"slot": match.slot, "score": match.score})
            raise StepRefused(_("The fingerprint is not that of this order's locksmith"))
        # The hub compares the matched template's hash with the templates enrolled for the locksmith: the
        # template is read back from the slot that matched, so it is what the sensor compared, not a claim.
        from edge.enroll import enrolled_finger  # edge.enroll imports edge.job: not at module level

        template = self.devices.fingerprint.enrolled_template(match.slot)
        self._step(row, Step.LOCKSMITH_VERIFIED, {"slot": match.slot, "score": match.score,
                                                  "finger": enrolled_finger(self.store, match.slot),
                                                  "template_sha256": hashlib.sha256(template).hexdigest()})
        return self.job(row.order_id)

    # -- step 4: consent, then the customer's photo, ID card photo and fingerprint -----------------------
    @_serialised
    def record_consent(self, given: bool, order_id: str | None = None) -> JobView:
        row = self._row(order_id)
        step = Step.CONSENTED if given else Step.CONSENT_REFUSED
        self._step(row, step, {"given": given, "text_version": CONSENT_TEXT_VERSION, "text": consent_statement(),
                               "customer_name": OrderInfo.from_dict(row.order).customer_name})
        return self.job(row.order_id)

    @_serialised
    def reveal_id_number(self, order_id: str | None = None) -> str:
        """The order's ID number in full, opened deliberately on the kit by the logged-in locksmith (the
        screen shows it masked): the reveal is a signed record of the job (who, at which step, where)."""
        row = self._row(order_id)
        session = self._require_session(row)
        number = OrderInfo.from_dict(row.order).customer_id_number
        if not number:
            raise StepRefused(_("The order carries no ID number"))
        fix = self.position()
        self.store.add_record(ID_REVEALED_KIND, {"kit_id": self.store.identity.kit_id,
                                                 "locksmith_id": session.locksmith_id, "field": "customer_id_number",
                                                 "step": row.step.value,
                                                 "position": fix.as_dict() if fix else None}, order_id=row.order_id)
        self.sessions.touch()
        return number

    @_serialised
    def capture_customer_photo(self, order_id: str | None = None) -> JobView:
        return self._photo_step(order_id, Step.CUSTOMER_PHOTO, "photo.customer", sensitive=True)

    @_serialised
    def capture_id_photo(self, order_id: str | None = None, *, id_number: str | None = None,
                         id_entry: IdEntry | None = None) -> JobView:
        """The ID card photo and the customer's ID number as read from it (edge/job/idnumber.py): typed
        (`id_number`, or `id_entry.number`), the order's confirmed, or skipped with a reason. Checked before
        anything is captured; the number is sealed like the photo (edge/job/idstep.py)."""
        row = self._row(order_id)
        check(row.step, Step.ID_PHOTO)
        self._require_session(row)
        entry = id_entry if id_entry is not None else IdEntry(number=id_number) if id_number else None
        result = resolve(entry, OrderInfo.from_dict(row.order).customer_id_number)
        photo = self._take_photo(row, "photo.id_card", sensitive=True)
        id_data, info = record_entry(self.store, row.order_id, result)
        self._step(row, Step.ID_PHOTO, {**_file_data(photo), "id_number_matches_order": result.matches_order,
                                        "id_number": id_data}, info=info)
        return self.job(row.order_id)

    @_serialised
    def capture_customer_fingerprint(self, order_id: str | None = None) -> JobView:
        row = self._row(order_id)
        check(row.step, Step.CUSTOMER_FINGERPRINT)
        self._require_session(row)
        template = self.devices.fingerprint.capture_template()
        f = self.store.add_file(kind="fingerprint.customer", content_type="application/octet-stream",
                                data=template, order_id=row.order_id, sensitive=True)
        self._step(row, Step.CUSTOMER_FINGERPRINT, _file_data(f))
        return self.job(row.order_id)

    @_serialised
    def capture_customer(self, order_id: str | None = None, *, id_entry: IdEntry | None = None) -> JobView:
        """Whatever remains of photo, ID card photo (with `id_entry`) and fingerprint, in that order. The ID
        entry is checked before anything is captured, so a wrong number leaves nothing half-done."""
        row = self._row(order_id)
        order_id = row.order_id
        if row.step in (Step.CONSENTED, Step.CUSTOMER_PHOTO):
            resolve(id_entry, OrderInfo.from_dict(row.order).customer_id_number)
        actions: dict[Step, Callable[[str], JobView]] = {
            Step.CONSENTED: self.capture_customer_photo,
            Step.CUSTOMER_PHOTO: lambda oid: self.capture_id_photo(oid, id_entry=id_entry),
            Step.ID_PHOTO: self.capture_customer_fingerprint}
        if self._row(order_id).step not in actions:
            check(self._row(order_id).step, Step.CUSTOMER_PHOTO)
        while (step := self._row(order_id).step) in actions:
            actions[step](order_id)
        return self.job(order_id)

    def _photo_step(self, order_id: str | None, step: Step, kind: str, *, sensitive: bool) -> JobView:
        row = self._row(order_id)
        check(row.step, step)
        self._require_session(row)
        f = self._take_photo(row, kind, sensitive=sensitive)
        self._step(row, step, _file_data(f))
        return self.job(row.order_id)

    def _take_photo(self, row: JobRow, kind: str, *, sensitive: bool) -> StoredFile:
        photo = self.devices.camera.photo()
        return self.store.add_file(kind=kind, content_type="image/jpeg", data=photo.jpeg, order_id=row.order_id,
                                   sensitive=sensitive, meta={"width": photo.width, "height": photo.height})

    # -- step 5: video, lock before, opening, lock after ------------------------------------------------
    @_serialised
    def start_video(self, order_id: str | None = None) -> JobView:
        row = self._row(order_id)
        check(row.step, Step.VIDEO_RUNNING)
        self._require_session(row)
        if self.settings.start_requires_upload:
            waiting = self.identity_not_uploaded(row.order_id)
            if waiting:
                raise StepRefused(_("The customer's identity has not reached the hub yet ({n} left): wait for the "
                                    "network, then start").format(n=len(waiting)))
        folder = video.start(self.devices.camera, self.store, row.order_id)
        try:
            self._step(row, Step.VIDEO_RUNNING, {"work_dir": folder.name})
        except BaseException:
            self._stop_recorder(row.order_id)
            raise
        return self.job(row.order_id)

    def identity_not_uploaded(self, order_id: str) -> list[str]:
        """Ids of the R-8 identity captures (photo, ID photo, fingerprint) the hub has not acknowledged."""
        kinds = {"photo.customer", "photo.id_card", "fingerprint.customer"}
        return [f.file_id for f in self.store.files_for_order(order_id) if f.kind in kinds and f.state == "pending"]

    @_serialised
    def photo_before(self, order_id: str | None = None) -> JobView:
        return self._photo_step(order_id, Step.LOCK_BEFORE, "photo.lock_before", sensitive=False)

    @_serialised
    def mark_opened(self, order_id: str | None = None, *, note: str = "") -> JobView:
        row = self._row(order_id)
        self._step(row, Step.OPENED, {"note": note})
        return self.job(row.order_id)

    @_serialised
    def photo_after(self, order_id: str | None = None) -> JobView:
        return self._photo_step(order_id, Step.LOCK_AFTER, "photo.lock_after", sensitive=False)

    @_serialised
    def stop_video(self, order_id: str | None = None) -> JobView:
        row = self._row(order_id)
        check(row.step, Step.VIDEO_STOPPED)
        self._require_session(row)
        self._stop_recorder(row.order_id)
        segs = video.segments(self.store, row.order_id)
        self._step(row, Step.VIDEO_STOPPED, {"segments": [{"file_id": s.file_id, "sha256": s.sha256,
                                                           "size": s.size} for s in segs]})
        return self.job(row.order_id)

    def _stop_recorder(self, order_id: str) -> None:
        work = video.work_dir(self.store, order_id)
        self.devices.camera.stop_video(work)
        legacy_recorder.stop_recorder(work)  # left running by an older release, if any
        video.adopt_leftovers(self.store, order_id)  # anything the recorder closed but did not hand over
        video.clear_bookkeeping(self.store, order_id)

    @_serialised
    def resume(self) -> list[str]:
        """After a restart: restart the video of every job that was recording, adopting what the crash
        left in its work folder first. Returns the order ids whose video was restarted."""
        restarted: list[str] = []
        for row in self.db.active():
            work = video.work_dir(self.store, row.order_id)
            if row.step not in VIDEO_STEPS or self.devices.camera.is_recording(work) or \
                    legacy_recorder.recorder_alive(work):
                continue
            recovered = video.adopt_leftovers(self.store, row.order_id)
            video.start(self.devices.camera, self.store, row.order_id)
            self._record(RecordKind.VIDEO_RESUMED, row, {"recovered": [f.file_id for f in recovered]})
            restarted.append(row.order_id)
        return restarted

    # -- step 6: completion ------------------------------------------------------------------------------
    @_serialised
    def complete(self, fee_fen: int, payment_received: bool, order_id: str | None = None, *,
                 method: str = "cash") -> JobView:
        row = self._row(order_id)
        check(row.step, Step.COMPLETED)
        if isinstance(fee_fen, bool) or not isinstance(fee_fen, int) or fee_fen < 0:
            raise StepRefused(_("The fee must be a whole number of fen, not negative"))
        if not payment_received:
            raise StepRefused(_("Confirm that the customer has paid the fee before completing the job"))
        self._step(row, Step.COMPLETED, {"fee_fen": fee_fen, "payment_received": True, "method": method},
                   info={"fee_fen": fee_fen, "payment_received": True, "method": method})
        return self.job(row.order_id)

    # -- the form, aborting, sealing ----------------------------------------------------------------------
    @_serialised
    def make_form(self, order_id: str | None = None) -> RegistrationForm:
        """Generate the unlock registration form; the police copy is sealed, the masked one recorded."""
        row = self._row(order_id)
        check(row.step, Step.FORM)
        self._require_session(row)
        form = self._build_form(row)
        police = self.store.add_file(kind=POLICE_COPY_KIND, content_type="application/json",
                                     data=canonical(msgspec.to_builtins(form)), order_id=row.order_id,
                                     sensitive=True)
        shown = masked_copy(form)
        shown_data = msgspec.to_builtins(shown)
        self._step(row, Step.FORM, {"form": shown_data, "police_copy": _file_data(police),
                                    "text": {lang: render_text(shown, lang) for lang in ("zh_CN", "en")}},
                   info={"form": shown_data, "police_copy_file_id": police.file_id})
        self.db.merge_info(row.order_id, wiped())  # the police copy holds the ID number now
        return shown

    def recorded_form(self, order_id: str | None = None) -> RegistrationForm | None:
        """The (masked) form as recorded by `make_form`, or None before that step."""
        data = self._row(order_id).info.get("form")
        return form_from_data(data) if data else None

    def form(self, order_id: str | None = None, *, police_copy: bool = False) -> RegistrationForm:
        """The form as it would be generated now (for a preview); `make_form` records it."""
        form = self._build_form(self._row(order_id))
        return form if police_copy else masked_copy(form)

    def _build_form(self, row: JobRow) -> RegistrationForm:
        """The full (police) copy from the job's order, its locksmith's profile, step times and info."""
        times = {s: t for s, _r, t in self.db.steps(row.order_id)}
        return build_form(self.store, OrderInfo.from_dict(row.order), self.locksmiths.get(row.locksmith_id),
                          times, row.info)

    @_serialised
    def abort(self, order_id: str | None, reason: str, *, by: str = "locksmith") -> JobView:
        row = self._row(order_id)
        check(row.step, Step.ABORTED)
        if row.step in VIDEO_STEPS:
            self._stop_recorder(row.order_id)
        self._step(row, Step.ABORTED, {"reason": reason, "by": by, "at_step": row.step.value},
                   info={"aborted_by": by})
        self.db.merge_info(row.order_id, wiped())  # no form will need the ID number
        return self.job(row.order_id)

    @_serialised
    def seal(self, order_id: str | None = None) -> EvidenceManifest:
        """Seal the evidence bundle: every record and file of the job, signed by the kit."""
        row = self._row(order_id)
        check(row.step, Step.SEALED)
        manifest = manifest_for(self.store, row.order_id, row.locksmith_id,
                                "aborted" if row.step == Step.ABORTED else "completed")
        self._step(row, Step.SEALED, {"manifest": msgspec.to_builtins(manifest),
                                      "manifest_sha256": manifest_digest(manifest)})
        return manifest


def _file_data(f: Any) -> dict[str, Any]:
    return {"file_id": f.file_id, "kind": f.kind, "sha256": f.sha256, "plain_sha256": f.plain_sha256,
            "size": f.size, "sealed": f.sealed}
