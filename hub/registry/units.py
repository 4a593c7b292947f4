"""R-1 units: filing, status changes with history, each forwarded to the police feed."""

from __future__ import annotations

from typing import Any

from hub import police_feed
from hub.db import Conn, transaction
from hub.registry import validate as v
from hub.registry.errors import NotFound
from protocol.clock import Clock
from protocol.i18n import _
from protocol.ids import new_id
from protocol.messages.ops import UnitFiling


def check_unit(conn: Conn, f: UnitFiling) -> v.Issues:
    issues = v.Issues()
    issues.add("name", v.text(f.name))
    issues.add("address", v.text(f.address, max_len=400))
    issues.add("uscc", v.credit_code(f.uscc))
    issues.add("legal_rep_name", v.text(f.legal_rep_name))
    issues.add("legal_rep_id", v.resident_id(f.legal_rep_id))
    issues.add("filing_receipt_no", v.text(f.filing_receipt_no))
    issues.add("filing_receipt_sha256", v.stored_image(conn, f.filing_receipt_sha256, optional=True))
    issues.add("status", v.one_of(f.status, v.UNIT_STATUSES))
    return issues


def file_unit(conn: Conn, clock: Clock, actor: str, f: UnitFiling) -> str:
    """Create or update a unit's filing; a changed status goes through `set_unit_status`."""
    check_unit(conn, f).raise_if_any()
    now = clock.now_ms()
    with transaction(conn):
        existing = conn.execute("SELECT * FROM units WHERE id = ? OR uscc = ?", (f.id or "", f.uscc)).fetchone()
        if existing is None:
            unit_id = f.id or new_id(now)
            conn.execute(
                "INSERT INTO units(id, name, address, uscc, legal_rep_name, legal_rep_id, filing_receipt_no,"
                " filing_receipt_sha256, status, created_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (unit_id, f.name, f.address, f.uscc, f.legal_rep_name, f.legal_rep_id, f.filing_receipt_no,
                 f.filing_receipt_sha256, f.status, now, now),
            )
            _history(conn, unit_id, None, f.status, actor, _("filed"), now)
            police_feed.emit(conn, "unit.filed", _record(conn, unit_id) | {"actor": actor}, now_ms=now)
            return unit_id
        unit_id = existing["id"]
        conn.execute(
            "UPDATE units SET name=?, address=?, uscc=?, legal_rep_name=?, legal_rep_id=?, filing_receipt_no=?,"
            " filing_receipt_sha256=?, updated_ms=? WHERE id=?",
            (f.name, f.address, f.uscc, f.legal_rep_name, f.legal_rep_id, f.filing_receipt_no,
             f.filing_receipt_sha256, now, unit_id),
        )
        police_feed.emit(conn, "unit.updated", _record(conn, unit_id) | {"actor": actor}, now_ms=now)
        if existing["status"] != f.status:
            set_unit_status(conn, clock, actor, unit_id, f.status, _("filing updated"))
        return unit_id


def set_unit_status(conn: Conn, clock: Clock, actor: str, unit_id: str, status: str,
                    reason: str) -> None:
    issues = v.Issues()
    issues.add("status", v.one_of(status, v.UNIT_STATUSES))
    issues.add("reason", v.text(reason))
    issues.raise_if_any()
    now = clock.now_ms()
    with transaction(conn):
        row = conn.execute("SELECT status FROM units WHERE id = ?", (unit_id,)).fetchone()
        if row is None:
            raise NotFound("unit", unit_id)
        if row["status"] == status:
            return
        conn.execute("UPDATE units SET status = ?, updated_ms = ? WHERE id = ?", (status, now, unit_id))
        # Only an operating unit's locksmiths are candidates; kept denormalised for dispatch speed.
        conn.execute("UPDATE locksmiths SET unit_operating = ? WHERE unit_id = ?",
                     (1 if status == "operating" else 0, unit_id))
        _history(conn, unit_id, row["status"], status, actor, reason, now)
        police_feed.emit(conn, "unit.status", {"id": unit_id, "from": row["status"], "to": status,
                                               "actor": actor, "reason": reason, "at_ms": now}, now_ms=now)


def _history(conn: Conn, unit_id: str, old: str | None, new: str, actor: str, reason: str,
             now: int) -> None:
    conn.execute(
        "INSERT INTO unit_status_history(unit_id, from_status, to_status, actor, reason, at_ms)"
        " VALUES (?,?,?,?,?,?)", (unit_id, old, new, actor, reason, now))


def _record(conn: Conn, unit_id: str) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM units WHERE id = ?", (unit_id,)).fetchone()
    return dict(row)


def get_unit(conn: Conn, unit_id: str) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM units WHERE id = ?", (unit_id,)).fetchone()
    if row is None:
        raise NotFound("unit", unit_id)
    out = dict(row)
    out["history"] = [dict(r) for r in conn.execute(
        "SELECT from_status, to_status, actor, reason, at_ms FROM unit_status_history WHERE unit_id = ?"
        " ORDER BY seq", (unit_id,))]
    return out
