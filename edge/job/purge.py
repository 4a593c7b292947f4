"""The customer's personal data leaves the kit (PIPL: kept no longer than needed).

The hub's offer and order carry the customer's name, mobile number, ID number and the site (address and
position), and a voucher's name and ID number. The kit needs them during the job; the hub and the police
keep the record. On the kit they are sealed at rest with one key per order from the moment they arrive
(edge/store/personal.py). Once the job is sealed, the hub has acknowledged every record and file of it, and
`personal_retention_s` (job.toml) has passed, the order's key is shredded, so every sealed copy becomes
noise; then the job row is rewritten without the personal fields (it keeps the order number and the steps),
the hub's messages about the order keep only their ids, and both databases are rewritten (secure_delete,
VACUUM, WAL emptied), so neither the key nor anything in clear survives in free pages or the journal. An
offer that never became a job here goes the same way `personal_retention_s` after it arrived. Media of the
job was already deleted file by file as the hub acknowledged it (biometrics, ID images and the police copy
of the form were sealed to the hub key before they touched the disk).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from edge.job.steps import Step
from protocol.i18n import _
from protocol.regform import CHINA_TZ

log = logging.getLogger(__name__)

PERSONAL_FIELDS = ("customer_name", "customer_mobile", "customer_id_number", "site_address", "site_lat",
                   "site_lon", "voucher")
HUB_MESSAGES = ("job.order", "job.offer", "job.cancelled", "job.offer_closed", "job.result")
PERSONAL_INFO = ("id_number_local", "form")  # the masked form still names the customer and the site


@dataclass(frozen=True)
class Held:
    """One order whose customer's data is still on the kit: why, and from when it may go."""

    order_id: str
    step: Step | None  # None: an offer that is not (yet) a job on this kit
    acknowledged_ms: int | None  # None: some of the job's evidence still waits for the hub
    erase_after_ms: int | None
    sealed: bool = True  # False: written in clear by a release before per-order keys


def _has_personal(order: dict[str, Any]) -> bool:
    return any(order.get(f) not in (None, "") for f in PERSONAL_FIELDS)


def held(flow: Any) -> list[Held]:
    out = []
    retention_ms = int(flow.settings.personal_retention_s * 1000)
    keyed = {k.order_id: k for k in flow.store.keys.held()}
    rows = {r.order_id: r for r in flow.db.all()}
    for order_id in sorted(set(keyed) | set(rows), key=lambda o: (keyed[o].created_ms if o in keyed else 0, o)):
        row = rows.get(order_id)
        if order_id not in keyed and (row is None or not _has_personal(row.order)):
            continue
        if row is not None:
            acked = flow.store.order_acknowledged_ms(order_id) if row.step == Step.SEALED else None
            until = None if acked is None else acked + retention_ms
        else:  # an offer only: refused, expired or taken by another locksmith
            acked = flow.store.order_acknowledged_ms(order_id)
            waiting = acked is None and flow.store.records_for_order(order_id)
            until = None if waiting else max(keyed[order_id].created_ms, acked or 0) + retention_ms
        out.append(Held(order_id, row.step if row else None, acked, until, sealed=order_id in keyed))
    return out


def purge_due(flow: Any) -> list[str]:
    """Shred and erase what is due now; -> the orders erased."""
    now = flow.store.clock.now_ms()
    done = [h.order_id for h in held(flow) if h.erase_after_ms is not None and h.erase_after_ms <= now]
    for order_id in done:
        row = flow.db.get(order_id)  # read while the key still opens it: the steps' results stay
        flow.store.keys.shred(order_id, now)
        if row is not None:
            order = {**row.order, **{f: (None if f in ("site_lat", "site_lon", "voucher") else "")
                                     for f in PERSONAL_FIELDS}}
            info = {k: v for k, v in row.info.items() if k not in PERSONAL_INFO}
            flow.db.replace_order(order_id, order, info)  # written in clear now: it names nobody
        flow.store.forget_order_downlink(order_id, HUB_MESSAGES)
        log.info("personal data of order %s shredded on the kit", order_id)
    if done:
        flow.db.compact()
        flow.store.compact()
    return done


def summary(items: list[Held]) -> str:
    """The one line `kit status` prints about the customers' data on the kit."""
    if not items:
        return _("personal data: none")
    line = _("personal data: 1 order sealed") if len(items) == 1 else _("personal data: {n} orders sealed").format(
        n=len(items))
    waiting = sum(1 for h in items if h.erase_after_ms is None)
    if waiting:
        line += _(", {n} waiting for its job to end and reach the hub").format(n=waiting)
    dated = [h.erase_after_ms for h in items if h.erase_after_ms is not None]
    if dated:
        when = datetime.fromtimestamp(max(dated) / 1000, CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        line += _(", retained until {when}").format(when=when)
    clear = sum(1 for h in items if not h.sealed)
    if clear:
        line += _(", {n} in clear from an older release").format(n=clear)
    return line
