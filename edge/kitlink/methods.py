"""What the UI may ask of the kit service: the allow-list of the kit link, with argument and result types.

Each entry is one call the UI makes on a screen; the server runs nothing else. Arguments are converted to
their declared types before the call (a wrong type is a `bad_call`, never a half-run step) and the result
is decoded by the client into the same dataclasses the in-process service returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from edge.job.config import JobSettings, LocksmithProfile
from edge.job.devices import Fix
from edge.job.flow import JobView
from edge.job.idnumber import IdEntry
from edge.job.state import Session
from edge.offers import Offer
from edge.settings import KitRoute
from edge.store import StoredFile, StoredRecord
from protocol.evidence import EvidenceManifest
from protocol.messages.job import JobOffer
from protocol.regform import RegistrationForm

Opt = str | None


@dataclass(frozen=True)
class Method:
    run: Callable[..., Any]  # (service, *args) -> result
    args: tuple[Any, ...] = ()
    returns: Any = None  # None: the result is not sent (the UI only needs "it worked")


def _profiles(service: Any) -> dict[str, LocksmithProfile]:
    """The UI shows names and which logins each locksmith has; the hashes themselves stay in the service
    ("*" only says one is set)."""
    return {k: msgspec.structs.replace(p, pin_hash=_set(p.pin_hash), password_hash=_set(p.password_hash),
                                       pattern_hash=_set(p.pattern_hash), id_number="")
            for k, p in service.flow.locksmiths.items()}


def _set(secret_hash: str) -> str:
    return "*" if secret_hash else ""


METHODS: dict[str, Method] = {
    "service.has_flow": Method(lambda s: s.flow is not None, returns=bool),
    "service.set_out": Method(lambda s, oid: s.set_out(oid), (str,), str),
    "settings.route": Method(lambda s: s.app.settings.route, returns=KitRoute),
    "sync.status": Method(lambda s: s.app.sync.status(), returns=dict[str, Any]),
    "store.records_for_order": Method(lambda s, oid: s.app.store.records_for_order(oid), (str,),
                                      list[StoredRecord]),
    "store.files_for_order": Method(lambda s, oid: s.app.store.files_for_order(oid), (str,), list[StoredFile]),
    "offers.open_offers": Method(lambda s: s.offers.open_offers(), returns=list[JobOffer]),
    "offers.all": Method(lambda s: dict(s.offers.offers), returns=dict[str, Offer]),
    "offers.seconds_left": Method(lambda s, oid: s.offers.seconds_left(oid), (str,), int),
    "offers.accept": Method(lambda s, oid: s.offers.accept(oid), (str,), str),
    "offers.refuse": Method(lambda s, oid, reason: s.offers.refuse(oid, reason), (str, str), str),
    "flow.job": Method(lambda s, oid: s.flow.job(oid), (Opt,), JobView),
    "flow.jobs": Method(lambda s, sealed: s.flow.jobs(include_sealed=sealed), (bool,), list[JobView]),
    "flow.session": Method(lambda s: s.flow.session(), returns=Session | None),
    "flow.locksmiths": Method(_profiles, returns=dict[str, LocksmithProfile]),
    "flow.settings": Method(lambda s: s.flow.settings, returns=JobSettings),
    "flow.position": Method(lambda s: s.flow.position(), returns=Fix | None),
    "flow.login_fingerprint": Method(lambda s: s.flow.login_fingerprint(), returns=Session),
    "flow.login_pin": Method(lambda s, ls, pin: s.flow.login_pin(ls, pin), (str, str), Session),
    "flow.login_password": Method(lambda s, ls, pw: s.flow.login_password(ls, pw), (str, str), Session),
    "flow.login_pattern": Method(lambda s, ls, dots: s.flow.login_pattern(ls, dots), (str, list[int]), Session),
    "flow.logout": Method(lambda s: s.flow.logout()),
    "flow.arrive": Method(lambda s, code, oid: s.flow.arrive(code, oid), (str, Opt)),
    "flow.verify_locksmith": Method(lambda s, oid: s.flow.verify_locksmith(oid), (Opt,)),
    "flow.record_consent": Method(lambda s, given, oid: s.flow.record_consent(given, oid), (bool, Opt)),
    "flow.reveal_id_number": Method(lambda s, oid: s.flow.reveal_id_number(oid), (Opt,), str),
    "flow.capture_customer_photo": Method(lambda s, oid: s.flow.capture_customer_photo(oid), (Opt,)),
    "flow.capture_id_photo": Method(lambda s, oid, entry: s.flow.capture_id_photo(oid, id_entry=entry),
                                    (Opt, IdEntry | None)),
    "flow.capture_customer_fingerprint": Method(lambda s, oid: s.flow.capture_customer_fingerprint(oid), (Opt,)),
    "flow.capture_customer": Method(lambda s, oid, entry: s.flow.capture_customer(oid, id_entry=entry),
                                    (Opt, IdEntry | None)),
    "flow.start_video": Method(lambda s, oid: s.flow.start_video(oid), (Opt,)),
    "flow.photo_before": Method(lambda s, oid: s.flow.photo_before(oid), (Opt,)),
    "flow.mark_opened": Method(lambda s, oid, note: s.flow.mark_opened(oid, note=note), (Opt, str)),
    "flow.photo_after": Method(lambda s, oid: s.flow.photo_after(oid), (Opt,)),
    "flow.stop_video": Method(lambda s, oid: s.flow.stop_video(oid), (Opt,)),
    "flow.complete": Method(lambda s, fen, paid, oid, method: s.flow.complete(fen, paid, oid, method=method),
                            (int, bool, Opt, str)),
    "flow.make_form": Method(lambda s, oid: s.flow.make_form(oid), (Opt,), RegistrationForm),
    "flow.form": Method(lambda s, oid: s.flow.form(oid), (Opt,), RegistrationForm),  # a preview, masked
    "flow.recorded_form": Method(lambda s, oid: s.flow.recorded_form(oid), (Opt,), RegistrationForm | None),
    "flow.seal": Method(lambda s, oid: s.flow.seal(oid), (Opt,), EvidenceManifest),
    "flow.abort": Method(lambda s, oid, reason: s.flow.abort(oid, reason), (Opt, str)),
    "flow.resume": Method(lambda s: s.flow.resume(), returns=list[str]),
    # `lockwarden kit job receive`: an order body handed over by hand (a kit that was offline when the hub
    # sent it, or a test). The socket is the kit user's alone (0600), who can write the kit's files anyway.
    "flow.receive_order": Method(lambda s, body: s.flow.on_order_assigned(body), (dict[str, Any],), JobView),
}
