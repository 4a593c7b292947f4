"""A locksmith's fingers enrolled on their kit (`lockwarden kit enroll`, edge/enroll.py) become the
locksmith's fingerprints at the hub (R-2) when the kit's signed `locksmith.fingerprint_enrolled` record
arrives: the kit's signature is the attestation, as an operator's identity is for `locksmith.fingerprint`.
Only the kit the locksmith currently carries may enrol them; anything else is refused and told to the
operators (the record itself stays stored as evidence)."""

from __future__ import annotations

from typing import Any

from hub.db import Conn
from hub.registry.errors import DomainError
from hub.registry.locksmiths import enroll_fingerprint
from hub.registry.presence import locksmith_of_kit
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages.ops import FingerprintEnroll

RECORD_KIND = "locksmith.fingerprint_enrolled"


def apply_enrolment(conn: Conn, clock: Clock, kit_id: str, data: dict[str, Any]) -> int:
    """Record the template for the locksmith; returns how many fingers they now have. Re-applying the same
    record changes nothing (the row is keyed by locksmith and finger)."""
    locksmith_id = str(data.get("locksmith_id") or "")
    if locksmith_of_kit(conn, kit_id) != locksmith_id:
        raise DomainError("forbidden", _("kit {kit} is not the kit of locksmith {locksmith}; fingerprints not "
                                         "recorded").format(kit=kit_id, locksmith=locksmith_id or "?"))
    return enroll_fingerprint(conn, clock, f"kit:{kit_id}", FingerprintEnroll(
        locksmith_id=locksmith_id, finger=str(data.get("finger") or ""),
        template_sha256=str(data.get("template_sha256") or ""), kit_id=kit_id))
