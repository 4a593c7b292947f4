"""Entry point for a kit's dispatch messages (`kit/{kit_id}/up/job`), after the transport verified the
envelope: accept or refuse an offer. Each answer is queued as `job.result` to the kit (and returned),
refusals with a stable code and a readable message. The on-site job travels as `kit.record` job records
(hub/orders/kitrecords.py)."""

from __future__ import annotations

from typing import Any

import msgspec

from hub.db import Conn
from hub.ops.atomic import atomically
from hub.orders import dispatching, outbox
from hub.registry.errors import DomainError
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages.job import JobAccept, JobRefuse, JobResult
from protocol.registry import body_type

KIT_TYPES = ("job.accept", "job.refuse")


def _run(conn: Conn, clock: Clock, kit_id: str, body: msgspec.Struct, msg_id: str) -> str | None:
    if isinstance(body, JobAccept):
        return dispatching.accept(conn, clock, kit_id, body.offer_id, cause=msg_id)
    if isinstance(body, JobRefuse):
        dispatching.refuse(conn, clock, kit_id, body.offer_id, body.reason, cause=msg_id)
        return None
    raise DomainError("unknown_type", _("not a kit job message"))


def handle_kit_job(conn: Conn, clock: Clock, kit_id: str, type_name: str,
                   body: dict[str, Any] | msgspec.Struct, *, msg_id: str) -> JobResult:
    """Handle one job message from `kit_id` (the envelope's verified sender); msg_id makes it idempotent."""

    def work() -> JobResult:
        if type_name not in KIT_TYPES:
            raise DomainError("unknown_type", _("not a kit job message: ") + type_name)
        typed = body if isinstance(body, msgspec.Struct) else msgspec.convert(body, body_type(type_name))  # type: ignore[arg-type]
        return JobResult(ref=msg_id, ok=True, order_id=_run(conn, clock, kit_id, typed, msg_id))

    def refused(exc: Exception) -> JobResult:
        if isinstance(exc, DomainError):
            return JobResult(ref=msg_id, ok=False, code=exc.code, message=exc.message)
        return JobResult(ref=msg_id, ok=False, code="invalid", message=str(exc))

    return atomically(conn, work, refused, lambda result: outbox.put(conn, clock, "kit", kit_id, result))
