"""Dispatch and escrow settings, stored in the hub database so an operator can change them at runtime.

Defaults and their source:
- offer_ttl_s 30: R-5. confirm_ttl_s 300 and payment_ttl_s 900: our choice (a customer on the phone
  decides within minutes). documents_ttl_s 3 days: R-11. followup_s 24 h: R-13.
- circuity 1.4: road distance over great-circle distance. Boscoe, Henry & Zdeb (2012), "A nationwide
  comparison of driving distance versus straight-line distance", Professional Geographer 64(2), report a
  mean of 1.417; Ballou, Rahardja & Sakai (2002) give 1.2-1.4 by country. Urban grids sit near 1.3-1.4.
- speed_kmh 25: urban door-to-door driving speed; AutoNavi's (高德) annual traffic reports put peak-hour
  average speeds in large Chinese cities around 20-30 km/h. Set it per city.
- prepayment_fen 5000 and deposit_fen 20000: placeholders for the operator's price list.
- code_scrypt_n 2**14: scrypt cost of the service-code hash (protocol/service_code.py's default).
- retry_unassigned_s 300 and retry_unassigned_max 3: our choice. Locksmiths finish jobs and come back on
  duty within minutes; three automatic rounds over 15 minutes, then the operator calls the customer.
  retry_unassigned_max 0 switches automatic retries off.
- start_requires_upload 1: R-8, "uploads them; only then may the job start": the hub refuses a job start
  (`job.video_started`) while the customer's photo, ID photo or fingerprint named in the kit's records has
  not reached it. 0 accepts such starts (a deployment whose kits work offline on site, job.toml
  `start_requires_upload = false`).
- arrival_grace_s 600: our choice; added to the offer's arrival estimate for the no-show deadline
  (hub/orders/arrival.py): ten minutes covers parking and finding the door in a large estate.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from hub.db import Conn
from hub.registry.errors import DomainError
from protocol.i18n import _


@dataclass(frozen=True)
class Settings:
    offer_ttl_s: int = 30
    confirm_ttl_s: int = 300
    payment_ttl_s: int = 900
    documents_ttl_s: int = 3 * 86_400
    followup_s: int = 86_400
    appointment_lead_s: int = 1_800
    circuity: float = 1.4
    speed_kmh: float = 25.0
    shortlist: int = 16
    prepayment_fen: int = 5_000
    deposit_fen: int = 20_000
    code_scrypt_n: int = 2**14
    retry_unassigned_s: int = 300
    retry_unassigned_max: int = 3
    start_requires_upload: int = 1
    arrival_grace_s: int = 600


_ZERO_OK = frozenset({"retry_unassigned_max", "start_requires_upload"})
_TYPES = {f.name: (float if f.type in ("float", float) else int) for f in fields(Settings)}


def load(conn: Conn) -> Settings:
    stored = {r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM hub_settings")}
    values = {k: _TYPES[k](v) for k, v in stored.items() if k in _TYPES}
    return Settings(**values)  # type: ignore[arg-type]


def set_value(conn: Conn, key: str, value: str) -> Settings:
    if key not in _TYPES:
        raise DomainError("invalid", _("unknown setting: ") + key)
    try:
        parsed = _TYPES[key](value)
    except ValueError as exc:
        raise DomainError("invalid", _("not a number: ") + value) from exc
    if parsed < 0 or (parsed == 0 and key not in _ZERO_OK):
        raise DomainError("invalid", _("must be positive"))
    conn.execute("INSERT INTO hub_settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 (key, str(parsed)))
    return load(conn)


def as_dict(s: Settings) -> dict[str, float | int]:
    return {f.name: getattr(s, f.name) for f in fields(s)}
