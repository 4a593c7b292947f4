"""Who is logged in on the kit (R-2): fingerprint from the sensor's library, or a PIN, password or touchscreen
pattern as the fallback. Nothing is done on the kit without a login (offers are neither shown nor answered,
no step is taken), and a login lapses after `session_idle_s` without activity.

Every attempt is a signed record (`session.login`, `session.login_failed`, `session.logout`) with the kit's
position, so a borrowed or stolen kit leaves a trail. PINs are checked against salted scrypt hashes from
`job.toml`; wrong PINs in a row are limited, after which only the fingerprint logs in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edge.job.config import JobSettings, LocksmithProfile
from edge.job.devices import FingerprintReader, Fix
from edge.job.pin import check_password, check_pattern, check_pin
from edge.job.state import JobDB, Session
from edge.job.steps import StepRefused
from edge.store import KitStore, StoredRecord
from protocol.i18n import _

ACTIVE_KEY = "session_active_ms"


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
        """The live session; one idle past `session_idle_s` is ended here (a signed `session.logout` with
        reason "idle"), so every reader sees the same answer."""
        session = self.db.session()
        if session is None:
            return None
        now = self.store.clock.now_ms()
        active = int(self.db.meta(ACTIVE_KEY) or session.since_ms)
        if now - active > self.settings.session_idle_s * 1000:
            self._record("session.logout", session.locksmith_id, {"reason": "idle", "idle_since": active})
            self.db.set_session(None)
            return None
        return session

    def touch(self) -> None:
        """Something was done on the kit: the idle time starts again."""
        self.db.set_meta(ACTIVE_KEY, str(self.store.clock.now_ms()))

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
        return self._login_secret(locksmith_id, "pin", lambda p: check_pin(pin, p.pin_hash))

    def login_password(self, locksmith_id: str, password: str) -> Session:
        return self._login_secret(locksmith_id, "password", lambda p: check_password(password, p.password_hash))

    def login_pattern(self, locksmith_id: str, dots: list[int]) -> Session:
        return self._login_secret(locksmith_id, "pattern", lambda p: check_pattern(dots, p.pattern_hash))

    def _login_secret(self, locksmith_id: str, method: str, matches: Callable[[LocksmithProfile], bool]) -> Session:
        """PIN, password and pattern share one count of failures in a row (`pin_max_attempts`), so trying
        each in turn gains nothing; past it only the fingerprint logs in."""
        key = f"pin_failures:{locksmith_id}"
        failures = int(self.db.meta(key) or 0)
        if failures >= self.settings.pin_max_attempts:
            raise StepRefused(_("Too many wrong PINs: log in with your fingerprint"))
        profile = self.profiles.get(locksmith_id)
        if profile is None or not matches(profile):
            self.db.set_meta(key, str(failures + 1))
            self._record("session.login_failed", locksmith_id, {"method": method, "attempt": failures + 1})
            raise StepRefused({"pin": _("Wrong locksmith or PIN"), "password": _("Wrong locksmith or password"),
                               "pattern": _("Wrong locksmith or pattern")}[method])
        self.db.set_meta(key, "0")
        return self._open(locksmith_id, method, {"fallback": True})

    def logout(self) -> None:
        session = self.db.session()
        if session is not None:
            self._record("session.logout", session.locksmith_id, {})
            self.db.set_session(None)

    def _open(self, locksmith_id: str, method: str, data: dict[str, Any]) -> Session:
        rec = self._record("session.login", locksmith_id, {"method": method, **data})
        session = Session(locksmith_id, method, rec.captured_ms, rec.id)
        self.db.set_session(session)
        self.touch()
        return session

    def _record(self, kind: str, locksmith_id: str | None, data: dict[str, Any]) -> StoredRecord:
        fix = self.position()
        return self.store.add_record(kind, {"kit_id": self.store.identity.kit_id, "locksmith_id": locksmith_id,
                                            "position": fix.as_dict() if fix else None, **data})
