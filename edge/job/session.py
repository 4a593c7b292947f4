"""Who is logged in on the kit (R-2): fingerprint from the sensor's library, or the PIN as the fallback.

Every attempt is a signed record (`session.login`, `session.login_failed`, `session.logout`) with the kit's
position, so a borrowed or stolen kit leaves a trail. PINs are checked against salted scrypt hashes from
`job.toml`; wrong PINs in a row are limited, after which only the fingerprint logs in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edge.job.config import JobSettings, LocksmithProfile
from edge.job.devices import FingerprintReader, Fix
from edge.job.pin import check_pin
from edge.job.state import JobDB, Session
from edge.job.steps import StepRefused
from edge.store import KitStore, StoredRecord
from protocol.i18n import _


class Sessions:
    def __init__(self, store: KitStore, db: JobDB, fingerprint: FingerprintReader, settings: JobSettings,
                 profiles: dict[str, LocksmithProfile], position: Callable[[], Fix | None]) -> None:
        self.store = store
        self.db = db
        self.fingerprint = fingerprint
        self.settings = settings
        self.profiles = profiles
        self.position = position

    def current(self) -> Session | None:
        return self.db.session()

    def profile_for_slot(self, slot: int) -> LocksmithProfile | None:
        return next((p for p in self.profiles.values() if slot in p.fingerprint_slots), None)

    def login_fingerprint(self) -> Session:
        try:
            match = self.fingerprint.verify()
        except Exception as exc:  # no finger, no match, sensor fault: the attempt is on record either way
            self._record("session.login_failed", None, {"method": "fingerprint", "error": str(exc)[:300]})
            raise
        profile = self.profile_for_slot(match.slot)
        if profile is None or match.score < self.settings.fingerprint_min_score:
            self._record("session.login_failed", None, {"method": "fingerprint", "slot": match.slot,
                                                        "score": match.score})
            raise StepRefused(_("This finger is not enrolled for any locksmith on this kit"))
        return self._open(profile.locksmith_id, "fingerprint",
                          {"slot": match.slot, "score": match.score, "fallback": False})

    def login_pin(self, locksmith_id: str, pin: str) -> Session:
        key = f"pin_failures:{locksmith_id}"
        failures = int(self.db.meta(key) or 0)
        if failures >= self.settings.pin_max_attempts:
            raise StepRefused(_("Too many wrong PINs: log in with your fingerprint"))
        profile = self.profiles.get(locksmith_id)
        if profile is None or not check_pin(pin, profile.pin_hash):
            self.db.set_meta(key, str(failures + 1))
            self._record("session.login_failed", locksmith_id, {"method": "pin", "attempt": failures + 1})
            raise StepRefused(_("Wrong locksmith or PIN"))
        self.db.set_meta(key, "0")
        return self._open(locksmith_id, "pin", {"fallback": True})

    def logout(self) -> None:
        session = self.db.session()
        if session is not None:
            self._record("session.logout", session.locksmith_id, {})
            self.db.set_session(None)

    def _open(self, locksmith_id: str, method: str, data: dict[str, Any]) -> Session:
        rec = self._record("session.login", locksmith_id, {"method": method, **data})
        session = Session(locksmith_id, method, rec.captured_ms, rec.id)
        self.db.set_session(session)
        return session

    def _record(self, kind: str, locksmith_id: str | None, data: dict[str, Any]) -> StoredRecord:
        fix = self.position()
        return self.store.add_record(kind, {"kit_id": self.store.identity.kit_id, "locksmith_id": locksmith_id,
                                            "position": fix.as_dict() if fix else None, **data})
