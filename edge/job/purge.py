"""The customer's personal data leaves the kit (PIPL: kept no longer than needed).

The order as the hub sent it carries the customer's name, mobile number, ID number and the site (address
and position), and a voucher's name and ID number. The kit needs them during the job; the hub and the
police keep the record. Once the job is sealed, the hub has acknowledged every record and file of it, and
`personal_retention_s` (job.toml) has passed, the kit erases them: the job row keeps the order number and
the steps, the hub's messages about the order keep only their ids, and both databases are rewritten with
secure_delete on and their WAL emptied, so no copy is left in free pages or the journal. Media of the
job was already deleted file by file as the hub acknowledged it (the biometrics and ID images were sealed
to the hub key before they touched the disk).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from edge.job.steps import Step

log = logging.getLogger(__name__)

PERSONAL_FIELDS = ("customer_name", "customer_mobile", "customer_id_number", "site_address", "site_lat",
                   "site_lon", "voucher")
HUB_MESSAGES = ("job.order", "job.offer", "job.cancelled")
PERSONAL_INFO = ("id_number_local", "form")  # the masked form still names the customer and the site


@dataclass(frozen=True)
class Held:
    """One order whose customer's data is still on the kit: why, and from when it may go."""

    order_id: str
    step: Step
    acknowledged_ms: int | None  # None: some of the job's evidence still waits for the hub
    erase_after_ms: int | None


def _has_personal(order: dict[str, Any]) -> bool:
    return any(order.get(f) not in (None, "") for f in PERSONAL_FIELDS)


def held(flow: Any) -> list[Held]:
    out = []
    retention_ms = int(flow.settings.personal_retention_s * 1000)
    for row in flow.db.all():
        if not _has_personal(row.order):
            continue
        acked = flow.store.order_acknowledged_ms(row.order_id) if row.step == Step.SEALED else None
        out.append(Held(row.order_id, row.step, acked, None if acked is None else acked + retention_ms))
    return out


def purge_due(flow: Any) -> list[str]:
    """Erase what is due now; -> the orders erased."""
    now = flow.store.clock.now_ms()
    done = [h.order_id for h in held(flow) if h.erase_after_ms is not None and h.erase_after_ms <= now]
    for order_id in done:
        row = flow.db.get(order_id)
        order = {**row.order, **{f: (None if f in ("site_lat", "site_lon", "voucher") else "")
                                 for f in PERSONAL_FIELDS}}
        info = {k: v for k, v in row.info.items() if k not in PERSONAL_INFO}
        flow.db.replace_order(order_id, order, info)
        flow.store.forget_order_downlink(order_id, HUB_MESSAGES)
        log.info("personal data of order %s erased from the kit", order_id)
    if done:
        flow.db.compact()
        flow.store.compact()
    return done
