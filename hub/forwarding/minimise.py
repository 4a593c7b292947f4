"""Data minimisation: what the hub's records carry for its own operation but the police do not need.

Every field forwarded is listed with its police purpose in docs/police.md. These are removed (at any
depth) before a record is sealed: dispatch internals, live positions, quality bookkeeping, and secrets
such as the service-code hash. Adding a field to a record means deciding here and in the docs.
"""

from __future__ import annotations

from typing import Any

DROPPED = frozenset({
    "code_hash", "code_proof_key", "code_proof",  # secrets: the customer's one-time service code
    "grade_rank", "locksmith_n", "locksmith_busy",  # dispatch internals
    "unit_operating", "kit_online", "live_kit_id",  # live dispatch state (presence is not evidence)
    "pos_lat", "pos_lon", "pos_ms",  # a locksmith's live position outside any job
    "quality", "rating_sum", "rating_count",  # rule-2 bookkeeping (ratings are forwarded per order)
})


def minimise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: minimise(v) for k, v in value.items() if k not in DROPPED}
    if isinstance(value, list):
        return [minimise(v) for v in value]
    return value
