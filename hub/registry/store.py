"""The registry's storage: units, locksmiths (filings, scope, service area, status history, ratings), the
kits they carry and their fingerprints, kits' presence and sessions (login first), operators' accounts.
The rules (validation, what the police are told, when a unit's status reaches its locksmiths) are in
units.py, locksmiths.py, presence.py and kitsession.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.db import Conn


@dataclass(frozen=True)
class LocksmithFace:
    """What a customer is shown of their locksmith (and an SMS names)."""

    id: str
    name: str
    photo_sha256: str
    grade: str
    quality: int
    unit_name: str


def face(conn: Conn, locksmith_id: str) -> LocksmithFace | None:
    row = conn.execute("SELECT l.id, l.name, l.photo_sha256, l.grade, l.quality, u.name AS unit_name FROM locksmiths l"
                       " JOIN units u ON u.id = l.unit_id WHERE l.id = ?", (locksmith_id,)).fetchone()
    return None if row is None else LocksmithFace(row["id"], row["name"], row["photo_sha256"], row["grade"],
                                                  int(row["quality"]), row["unit_name"])


def names(conn: Conn, locksmith_ids: list[str]) -> dict[str, str]:
    """id -> name of those that exist."""
    ids = sorted({i for i in locksmith_ids if i})
    if not ids:
        return {}
    return {r["id"]: r["name"] for r in conn.execute(
        f"SELECT id, name FROM locksmiths WHERE id IN ({','.join('?' * len(ids))})", ids)}


def name_of(conn: Conn, locksmith_id: str) -> str | None:
    return names(conn, [locksmith_id]).get(locksmith_id)


def offerable(conn: Conn, locksmith_n: int) -> bool:
    """The locksmith is still on duty, filed, with an operating unit."""
    return conn.execute("SELECT 1 FROM locksmiths WHERE n = ? AND status = 'on_duty' AND unit_operating = 1"
                        " AND filing_receipt_no != ''", (locksmith_n,)).fetchone() is not None


@dataclass(frozen=True)
class Ratings:
    total: int
    count: int


def ratings(conn: Conn, locksmith_id: str) -> Ratings | None:
    row = conn.execute("SELECT rating_sum, rating_count FROM locksmiths WHERE id=?", (locksmith_id,)).fetchone()
    return None if row is None else Ratings(int(row["rating_sum"]), int(row["rating_count"]))


# -- kit sessions (login first) --------------------------------------------------------------------------------
def put_session(conn: Conn, kit_id: str, locksmith_id: str | None, logged_in: bool, at_ms: int,
                record_id: str) -> None:
    """The session record captured last wins (records may arrive late or out of order)."""
    conn.execute(
        "INSERT INTO kit_sessions(kit_id, locksmith_id, logged_in, at_ms, record_id) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(kit_id) DO UPDATE SET locksmith_id = excluded.locksmith_id, logged_in = excluded.logged_in,"
        " at_ms = excluded.at_ms, record_id = excluded.record_id WHERE kit_sessions.at_ms <= excluded.at_ms",
        (kit_id, locksmith_id, 1 if logged_in else 0, at_ms, record_id))


def logged_in(conn: Conn, kit_id: str) -> str | None:
    row = conn.execute("SELECT locksmith_id FROM kit_sessions WHERE kit_id = ? AND logged_in = 1",
                       (kit_id,)).fetchone()
    return None if row is None else str(row[0])


def locksmith_shown(conn: Conn, locksmith_id: str) -> str | None:
    """A locksmith as a person reads them: the filed name, with the end of the id beside it only when another
    locksmith has the same name. None for an id the registry does not know."""
    row = conn.execute("SELECT name, (SELECT count(*) FROM locksmiths l WHERE l.name = locksmiths.name) AS same"
                       " FROM locksmiths WHERE id = ?", (locksmith_id,)).fetchone()
    if row is None or not str(row["name"] or "").strip():
        return None
    return str(row["name"]) if int(row["same"]) <= 1 else f"{row['name']} ({locksmith_id[-8:]})"


# -- operators ------------------------------------------------------------------------------------------------
def upsert_operator(conn: Conn, operator_id: str, name: str, role: str, now_ms: int) -> None:
    conn.execute("INSERT INTO operators(id, name, role, active, created_ms) VALUES (?,?,?,1,?)"
                 " ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role, active = 1",
                 (operator_id, name, role, now_ms))


def operator_shown(conn: Conn, operator_id: str) -> str | None:
    """An operator as a person reads them: the name, with the id beside it only when another operator has
    the same name (two "李" on one desk). None for an id the registry does not know."""
    row = conn.execute("SELECT name, (SELECT count(*) FROM operators o WHERE o.name = operators.name) AS same"
                       " FROM operators WHERE id = ?", (operator_id,)).fetchone()
    if row is None or not str(row["name"] or "").strip():
        return None
    return str(row["name"]) if int(row["same"]) <= 1 else f"{row['name']} ({operator_id})"


def operators_count(conn: Conn) -> int:
    return int(conn.execute("SELECT count(*) FROM operators").fetchone()[0])


def operator_active(conn: Conn, operator_id: str) -> bool:
    row = conn.execute("SELECT active FROM operators WHERE id = ?", (operator_id,)).fetchone()
    return row is not None and bool(row["active"])


# -- units -----------------------------------------------------------------------------------------------------
def unit(conn: Conn, unit_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM units WHERE id = ?", (unit_id,)).fetchone()
    return None if row is None else dict(row)


def unit_by_id_or_uscc(conn: Conn, unit_id: str, uscc: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM units WHERE id = ? OR uscc = ?", (unit_id, uscc)).fetchone()
    return None if row is None else dict(row)


def units(conn: Conn) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT * FROM units ORDER BY id")]


def insert_unit(conn: Conn, unit_id: str, f: Any, now_ms: int) -> None:
    """`f`: a UnitFiling (protocol.messages.ops)."""
    conn.execute(
        "INSERT INTO units(id, name, address, uscc, legal_rep_name, legal_rep_id, filing_receipt_no,"
        " filing_receipt_sha256, status, created_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (unit_id, f.name, f.address, f.uscc, f.legal_rep_name, f.legal_rep_id, f.filing_receipt_no,
         f.filing_receipt_sha256, f.status, now_ms, now_ms),
    )


def update_unit(conn: Conn, unit_id: str, f: Any, now_ms: int) -> None:
    conn.execute(
        "UPDATE units SET name=?, address=?, uscc=?, legal_rep_name=?, legal_rep_id=?, filing_receipt_no=?,"
        " filing_receipt_sha256=?, updated_ms=? WHERE id=?",
        (f.name, f.address, f.uscc, f.legal_rep_name, f.legal_rep_id, f.filing_receipt_no,
         f.filing_receipt_sha256, now_ms, unit_id),
    )


def set_unit_status(conn: Conn, unit_id: str, status: str, now_ms: int) -> None:
    conn.execute("UPDATE units SET status = ?, updated_ms = ? WHERE id = ?", (status, now_ms, unit_id))
    # Only an operating unit's locksmiths are candidates; kept denormalised for dispatch speed.
    conn.execute("UPDATE locksmiths SET unit_operating = ? WHERE unit_id = ?",
                 (1 if status == "operating" else 0, unit_id))


def add_unit_history(conn: Conn, unit_id: str, old: str | None, new: str, actor: str, reason: str,
                     now_ms: int) -> None:
    conn.execute(
        "INSERT INTO unit_status_history(unit_id, from_status, to_status, actor, reason, at_ms)"
        " VALUES (?,?,?,?,?,?)", (unit_id, old, new, actor, reason, now_ms))


def unit_history(conn: Conn, unit_id: str) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(
        "SELECT from_status, to_status, actor, reason, at_ms FROM unit_status_history WHERE unit_id = ?"
        " ORDER BY seq", (unit_id,))]


# -- kit presence ------------------------------------------------------------------------------------------------
def put_kit_online(conn: Conn, kit_id: str, online: bool, now_ms: int) -> None:
    conn.execute(
        "INSERT INTO kit_presence(kit_id, online, updated_ms) VALUES (?, ?, ?)"
        " ON CONFLICT(kit_id) DO UPDATE SET online = excluded.online, updated_ms = excluded.updated_ms",
        (kit_id, 1 if online else 0, now_ms))


def silent_kits(conn: Conn, heard_before_ms: int) -> dict[str, int]:
    """Kits shown online but last heard before the time: kit id -> when last heard."""
    return {r[0]: r[1] for r in conn.execute(
        "SELECT kit_id, updated_ms FROM kit_presence WHERE online = 1 AND updated_ms < ?", (heard_before_ms,))}


def mark_kit_offline(conn: Conn, kit_id: str, heard_ms: int, now_ms: int) -> None:
    """Offline, unless heard from again since `heard_ms`."""
    conn.execute("UPDATE kit_presence SET online = 0, updated_ms = ? WHERE kit_id = ? AND online = 1 "
                 "AND updated_ms = ?", (now_ms, kit_id, heard_ms))


def put_kit_position(conn: Conn, kit_id: str, lat: float, lon: float, at_ms: int, now_ms: int) -> None:
    """The newest position wins (positions may arrive late or out of order)."""
    conn.execute(
        "INSERT INTO kit_presence(kit_id, online, lat, lon, pos_ms, updated_ms) VALUES (?, 0, ?, ?, ?, ?)"
        " ON CONFLICT(kit_id) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, pos_ms = excluded.pos_ms"
        " WHERE kit_presence.pos_ms IS NULL OR kit_presence.pos_ms <= excluded.pos_ms",
        (kit_id, lat, lon, at_ms, now_ms))


def locksmith_of_kit(conn: Conn, kit_id: str) -> str | None:
    row = conn.execute("SELECT locksmith_id FROM locksmith_kits WHERE kit_id = ? AND unlinked_ms IS NULL",
                       (kit_id,)).fetchone()
    return None if row is None else str(row[0])


@dataclass(frozen=True)
class KitPresence:
    kit_id: str
    online: bool
    lat: float | None
    lon: float | None
    pos_ms: int | None
    updated_ms: int


def presence_of_locksmith(conn: Conn, locksmith_id: str) -> list[KitPresence]:
    """Presence of every kit linked to the locksmith now."""
    return [KitPresence(r["kit_id"], bool(r["online"]), r["lat"], r["lon"], r["pos_ms"], int(r["updated_ms"]))
            for r in conn.execute(
                "SELECT p.kit_id, p.online, p.lat, p.lon, p.pos_ms, p.updated_ms FROM locksmith_kits k"
                " JOIN kit_presence p ON p.kit_id = k.kit_id WHERE k.locksmith_id = ? AND k.unlinked_ms IS NULL",
                (locksmith_id,)).fetchall()]


def set_locksmith_presence(conn: Conn, locksmith_id: str, live_kit_id: str | None,
                           pos: KitPresence | None) -> None:
    conn.execute(
        "UPDATE locksmiths SET kit_online = ?, live_kit_id = ?, pos_lat = ?, pos_lon = ?, pos_ms = ? WHERE id = ?",
        (1 if live_kit_id else 0, live_kit_id, pos.lat if pos else None, pos.lon if pos else None,
         pos.pos_ms if pos else None, locksmith_id))


# -- locksmiths' filings ---------------------------------------------------------------------------------------
_FILING_COLUMNS = ("name, gender, ethnicity, resident_id, id_image_sha256, cert_no, cert_image_sha256, grade,"
                   " grade_rank, photo_sha256, mobile, unit_id, filing_receipt_no, filing_receipt_sha256, area_lat,"
                   " area_lon, area_radius_km, equipment_json, unit_operating")


def locksmith(conn: Conn, locksmith_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM locksmiths WHERE id = ?", (locksmith_id,)).fetchone()
    return None if row is None else dict(row)


def locksmith_by_id_or_resident(conn: Conn, locksmith_id: str, resident_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM locksmiths WHERE id = ? OR resident_id = ?", (locksmith_id, resident_id)).fetchone()
    return None if row is None else dict(row)


def locksmiths(conn: Conn) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT * FROM locksmiths ORDER BY n")]


def unit_exists(conn: Conn, unit_id: str) -> bool:
    return conn.execute("SELECT 1 FROM units WHERE id = ?", (unit_id,)).fetchone() is not None


def locksmith_exists(conn: Conn, locksmith_id: str) -> bool:
    return conn.execute("SELECT 1 FROM locksmiths WHERE id = ?", (locksmith_id,)).fetchone() is not None


def insert_locksmith(conn: Conn, locksmith_id: str, values: tuple[Any, ...], status: str,
                     now_ms: int) -> int:
    """`values`: the filing's columns in _FILING_COLUMNS order. Returns the locksmith's pool number."""
    cur = conn.execute(
        f"INSERT INTO locksmiths(id, {_FILING_COLUMNS}, status, created_ms, updated_ms)"
        f" VALUES (?, {','.join('?' * len(values))}, ?, ?, ?) RETURNING n", (locksmith_id, *values, status, now_ms,
                                                                            now_ms))
    return int(cur.fetchone()[0])


def update_locksmith(conn: Conn, n: int, values: tuple[Any, ...], now_ms: int) -> None:
    sets = ", ".join(f"{c.strip()} = ?" for c in _FILING_COLUMNS.split(","))
    conn.execute(f"UPDATE locksmiths SET {sets}, updated_ms = ? WHERE n = ?", (*values, now_ms, n))


def set_area(conn: Conn, n: int, bbox: tuple[float, float, float, float]) -> None:
    conn.execute("DELETE FROM locksmith_area WHERE n = ?", (n,))
    conn.execute("INSERT INTO locksmith_area(n, min_lat, max_lat, min_lon, max_lon) VALUES (?,?,?,?,?)", (n, *bbox))


def set_scope(conn: Conn, n: int, scope: dict[str, list[str]] | Any) -> None:
    conn.execute("DELETE FROM locksmith_scope WHERE locksmith_n = ?", (n,))
    conn.executemany("INSERT INTO locksmith_scope(locksmith_n, lock_class, action) VALUES (?,?,?)",
                     [(n, cls, act) for cls, acts in scope.items() for act in set(acts)])


def scope_of(conn: Conn, n: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in conn.execute("SELECT lock_class, action FROM locksmith_scope WHERE locksmith_n = ?"
                          " ORDER BY lock_class, action", (n,)):
        out.setdefault(r["lock_class"], []).append(r["action"])
    return out


def set_locksmith_status(conn: Conn, locksmith_id: str, status: str, now_ms: int) -> None:
    conn.execute("UPDATE locksmiths SET status = ?, updated_ms = ? WHERE id = ?", (status, now_ms, locksmith_id))


def add_locksmith_history(conn: Conn, locksmith_id: str, old: str | None, new: str, actor: str,
                          reason: str, now_ms: int) -> None:
    conn.execute("INSERT INTO locksmith_status_history(locksmith_id, from_status, to_status, actor, reason, at_ms)"
                 " VALUES (?,?,?,?,?,?)", (locksmith_id, old, new, actor, reason, now_ms))


def unlink_kit(conn: Conn, kit_id: str, now_ms: int) -> None:
    conn.execute("UPDATE locksmith_kits SET unlinked_ms = ? WHERE kit_id = ? AND unlinked_ms IS NULL", (now_ms, kit_id))


def link_kit(conn: Conn, locksmith_id: str, kit_id: str, now_ms: int, actor: str) -> None:
    conn.execute("INSERT INTO locksmith_kits(locksmith_id, kit_id, linked_ms, actor) VALUES (?,?,?,?)",
                 (locksmith_id, kit_id, now_ms, actor))


def put_fingerprint(conn: Conn, locksmith_id: str, finger: str, template_sha256: str, kit_id: str,
                    now_ms: int, actor: str) -> int:
    """Enrol (or re-enrol) one finger; returns how many fingers the locksmith has enrolled."""
    conn.execute(
        "INSERT INTO locksmith_fingerprints(locksmith_id, finger, template_sha256, kit_id, enrolled_ms, actor)"
        " VALUES (?,?,?,?,?,?) ON CONFLICT(locksmith_id, finger) DO UPDATE SET"
        " template_sha256 = excluded.template_sha256, kit_id = excluded.kit_id,"
        " enrolled_ms = excluded.enrolled_ms, actor = excluded.actor",
        (locksmith_id, finger, template_sha256, kit_id, now_ms, actor))
    return int(conn.execute("SELECT count(*) FROM locksmith_fingerprints WHERE locksmith_id = ?",
                            (locksmith_id,)).fetchone()[0])


def add_rating(conn: Conn, locksmith_id: str, stars: int) -> int | None:
    """Fold the stars into the locksmith's quality; returns the new quality (None: no such locksmith)."""
    conn.execute("UPDATE locksmiths SET rating_sum = rating_sum + ?, rating_count = rating_count + 1,"
                 " quality = ((rating_sum + ?) * 1000 + 15000) / (rating_count + 1 + 5) WHERE id = ?",
                 (stars, stars, locksmith_id))
    row = conn.execute("SELECT quality FROM locksmiths WHERE id = ?", (locksmith_id,)).fetchone()
    return None if row is None else int(row["quality"])


def kits_of(conn: Conn, locksmith_id: str) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(
        "SELECT kit_id, linked_ms, unlinked_ms, actor FROM locksmith_kits WHERE locksmith_id = ? ORDER BY seq",
        (locksmith_id,))]


def fingerprints_of(conn: Conn, locksmith_id: str) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(
        "SELECT finger, template_sha256, kit_id, enrolled_ms FROM locksmith_fingerprints WHERE locksmith_id = ?"
        " ORDER BY finger", (locksmith_id,))]


def locksmith_history(conn: Conn, locksmith_id: str) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(
        "SELECT from_status, to_status, actor, reason, at_ms FROM locksmith_status_history WHERE locksmith_id = ?"
        " ORDER BY seq", (locksmith_id,))]


def finger_of_template(conn: Conn, locksmith_id: str, template_sha256: str) -> str | None:
    row = conn.execute("SELECT finger FROM locksmith_fingerprints WHERE locksmith_id = ? AND template_sha256 = ?",
                       (locksmith_id, template_sha256)).fetchone()
    return None if row is None else str(row[0])


def kits_overview(conn: Conn) -> list[dict[str, Any]]:
    """Every kit: presence, position, who carries it and its link's backlog (as the ingest last heard it)."""
    return [dict(r) for r in conn.execute(
        "SELECT p.kit_id, p.online, p.lat, p.lon, p.pos_ms, p.updated_ms, l.id AS locksmith_id, l.name AS locksmith,"
        " s.backlog_records, s.backlog_files, s.since_ms"
        " FROM kit_presence p"
        " LEFT JOIN locksmith_kits k ON k.kit_id = p.kit_id AND k.unlinked_ms IS NULL"
        " LEFT JOIN locksmiths l ON l.id = k.locksmith_id"
        " LEFT JOIN kit_link_state s ON s.kit_id = p.kit_id"
        " ORDER BY p.kit_id").fetchall()]


def offline_with_backlog(conn: Conn) -> list[dict[str, Any]]:
    """Offline kits that still hold records or files the hub has not received, longest silent first."""
    return [dict(r) for r in conn.execute(
        "SELECT p.kit_id, p.updated_ms, s.backlog_records, s.backlog_files, l.name AS locksmith"
        " FROM kit_presence p JOIN kit_link_state s ON s.kit_id = p.kit_id"
        " LEFT JOIN locksmith_kits k ON k.kit_id = p.kit_id AND k.unlinked_ms IS NULL"
        " LEFT JOIN locksmiths l ON l.id = k.locksmith_id"
        " WHERE p.online = 0 AND (s.backlog_records > 0 OR s.backlog_files > 0) ORDER BY p.updated_ms")]
