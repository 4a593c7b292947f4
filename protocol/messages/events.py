"""Live events for operator consoles (`lw/v1/ops/events`)."""

from __future__ import annotations

import msgspec

from protocol.registry import message


@message(
    "ops.event",
    sender="hub",
    summary="Something an operator should see now: dispatch progress, a refused kit step, a deadline, a "
            "warning. `kind` names it; the other fields depend on the kind.",
    example=lambda: OpsEvent(kind="dispatch.offer", at_ms=1767225600000),
)
class OpsEvent(msgspec.Struct, frozen=True):
    """Extra fields beside `kind` and `at_ms` are kept as sent (the struct does not forbid them)."""

    kind: str
    at_ms: int
