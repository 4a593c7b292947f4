"""The hub's operating figures and their Prometheus text exposition (format 0.0.4).

What an operator watches: is ingest moving (rate, totals), what is refused and why (quarantine by reason),
which kit has evidence waiting to upload (backlog per kit, as each kit last reported it), whether timers
fall behind (due and not fired), whether replies leave (outbox depth) and how far the police copy lags.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from hub.db import Conn, read_snapshot
from hub.metrics import store

RATE_WINDOW_MS = 60_000


@dataclass(frozen=True)
class KitFigures:
    status: str
    backlog_records: int
    backlog_files: int
    since_ms: int


@dataclass(frozen=True)
class HubFigures:
    at_ms: int
    ingest_totals: dict[str, int]
    ingest_rate_per_s: float
    quarantine_by_reason: dict[str, int]
    kits: dict[str, KitFigures]
    timers_pending: int
    timers_due: int
    timers_oldest_due_age_s: float
    outbox_unsent: int
    outbox_oldest_age_s: float
    police_unacked: int
    police_forwarding_lag_s: float
    police_feed_unqueued: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _age_s(now_ms: int, then_ms: int | None) -> float:
    return max(0.0, (now_ms - then_ms) / 1000) if then_ms is not None else 0.0


def collect(conn: Conn, now_ms: int) -> HubFigures:
    """Every figure, read in one read transaction so they are consistent with each other."""
    with read_snapshot(conn):
        totals = store.ingest_counters(conn)
        accepted = store.accepted_since(conn, now_ms - RATE_WINDOW_MS)
        quarantine = store.quarantine_by_reason(conn)
        kits = {k: KitFigures(status, rec, files, since) for k, status, rec, files, since in store.kits(conn)}
        pending, due, oldest_due = store.timers(conn, now_ms)
        unsent, oldest_unsent = store.outbox(conn)
        unacked, oldest_unacked, unqueued = store.police(conn)
    return HubFigures(
        at_ms=now_ms, ingest_totals=totals, ingest_rate_per_s=accepted / (RATE_WINDOW_MS / 1000),
        quarantine_by_reason=quarantine, kits=kits, timers_pending=pending, timers_due=due,
        timers_oldest_due_age_s=_age_s(now_ms, oldest_due), outbox_unsent=unsent,
        outbox_oldest_age_s=_age_s(now_ms, oldest_unsent), police_unacked=unacked,
        police_forwarding_lag_s=_age_s(now_ms, oldest_unacked), police_feed_unqueued=unqueued)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def prometheus(f: HubFigures, *, version: str, broker_connected: bool | None = None) -> str:
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            text = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
            lines.append(f"{name}{{{text}}} {value:g}" if text else f"{name} {value:g}")

    metric("lockwarden_build_info", "gauge", "The running release.", [({"version": version}, 1)])
    if broker_connected is not None:
        metric("lockwarden_broker_connected", "gauge", "1 while the hub's MQTT session is up.",
               [({}, 1 if broker_connected else 0)])
    metric("lockwarden_ingest_messages_total", "counter",
           "Inbound messages by outcome (received, duplicates, quarantined).",
           [({"outcome": k}, v) for k, v in sorted(f.ingest_totals.items())])
    metric("lockwarden_ingest_rate_per_second", "gauge", "Envelopes accepted per second over the last minute.",
           [({}, f.ingest_rate_per_s)])
    metric("lockwarden_quarantine_entries", "gauge", "Refused messages kept for inspection, by reason.",
           [({"reason": k}, v) for k, v in sorted(f.quarantine_by_reason.items())])
    metric("lockwarden_kit_online", "gauge", "1 if the kit's last presence said online.",
           [({"kit": k}, 1 if v.status == "online" else 0) for k, v in sorted(f.kits.items())])
    metric("lockwarden_kit_backlog_records", "gauge", "Records the kit last reported as not yet stored by the hub.",
           [({"kit": k}, v.backlog_records) for k, v in sorted(f.kits.items())])
    metric("lockwarden_kit_backlog_files", "gauge", "Files the kit last reported as not yet stored by the hub.",
           [({"kit": k}, v.backlog_files) for k, v in sorted(f.kits.items())])
    metric("lockwarden_timers_pending", "gauge", "Timers waiting to fire.", [({}, f.timers_pending)])
    metric("lockwarden_timers_due", "gauge", "Timers whose time has come and that have not fired yet.",
           [({}, f.timers_due)])
    metric("lockwarden_timers_oldest_due_age_seconds", "gauge", "How long the oldest due timer has waited.",
           [({}, f.timers_oldest_due_age_s)])
    metric("lockwarden_outbox_depth", "gauge", "Signed replies to kits, customers and operators not yet sent.",
           [({}, f.outbox_unsent)])
    metric("lockwarden_outbox_oldest_age_seconds", "gauge", "Age of the oldest unsent reply.",
           [({}, f.outbox_oldest_age_s)])
    metric("lockwarden_police_unacked", "gauge", "Police records sent or queued and not yet acknowledged.",
           [({}, f.police_unacked)])
    metric("lockwarden_police_forwarding_lag_seconds", "gauge",
           "Age of the oldest police record the police side has not acknowledged.", [({}, f.police_forwarding_lag_s)])
    metric("lockwarden_police_feed_unqueued", "gauge", "Police feed entries not yet signed into the police chain.",
           [({}, f.police_feed_unqueued)])
    return "\n".join(lines) + "\n"
