"""R-2 locksmiths: filing with business scope and service area, status history, kits, fingerprints.

Service area is a circle (centre lat/lon, radius in km): it is what a locksmith can state ("within
10 km of my shop"), needs no district code table, and indexes in an R*Tree by its bounding box.
"""

from __future__ import annotations

import json
from typing import Any

from hub import police_feed
from hub.db import Conn, transaction
from hub.registry import geo
from hub.registry import validate as v
from hub.registry.errors import DomainError, NotFound
from hub.registry.presence import locksmith_of_kit, refresh_locksmith
from protocol.clock import Clock
from protocol.i18n import _
from protocol.ids import new_id
from protocol.messages.ops import FingerprintEnroll, KitLink, LocksmithFiling

MAX_RADIUS_KM = 200.0


def check_locksmith(conn: Conn, f: LocksmithFiling) -> v.Issues:
    issues = v.Issues()
    issues.add("name", v.text(f.name))
    issues.add("gender", v.one_of(f.gender, v.GENDERS))
    issues.add("ethnicity", v.text(f.ethnicity))
    issues.add("resident_id", v.resident_id(f.resident_id))
    issues.add("id_image_sha256", v.stored_image(conn, f.id_image_sha256))
    issues.add("cert_no", v.text(f.cert_no))
    issues.add("cert_image_sha256", v.stored_image(conn, f.cert_image_sha256))
    issues.add("grade", v.one_of(f.grade, v.GRADES))
    issues.add("photo_sha256", v.stored_image(conn, f.photo_sha256))
    issues.add("mobile", v.mobile(f.mobile))
    issues.add("filing_receipt_sha256", v.stored_image(conn, f.filing_receipt_sha256, optional=True))
    issues.add("status", v.one_of(f.status, v.LOCKSMITH_STATUSES))
    if conn.execute("SELECT 1 FROM units WHERE id = ?", (f.unit_id,)).fetchone() is None:
        issues.add("unit_id", _("no such unit"))
    issues.add("area.lat", v.latitude(f.area.lat))
    issues.add("area.lon", v.longitude(f.area.lon))
    if not 0 < f.area.radius_km <= MAX_RADIUS_KM:
        issues.add("area.radius_km", _("must be above 0 and at most 200"))
    if not f.scope:
        issues.add("scope", _("at least one lock class"))
    for cls, actions in f.scope.items():
        issues.add(f"scope.{cls}", v.one_of(cls, v.LOCK_CLASSES))
        if not actions:
            issues.add(f"scope.{cls}", _("at least one action"))
        for act in actions:
            issues.add(f"scope.{cls}", v.one_of(act, v.ACTIONS))
    for i, item in enumerate(f.equipment):
        issues.add(f"equipment[{i}]", v.text(item))
    return issues


def file_locksmith(conn: Conn, clock: Clock, actor: str, f: LocksmithFiling) -> str:
    check_locksmith(conn, f).raise_if_any()
    now = clock.now_ms()
    with transaction(conn):
        existing = conn.execute("SELECT * FROM locksmiths WHERE id = ? OR resident_id = ?",
                                (f.id or "", f.resident_id)).fetchone()
        unit = conn.execute("SELECT status FROM units WHERE id = ?", (f.unit_id,)).fetchone()
        values = (f.name, f.gender, f.ethnicity, f.resident_id, f.id_image_sha256, f.cert_no,
                  f.cert_image_sha256, f.grade, v.GRADES[f.grade], f.photo_sha256, f.mobile, f.unit_id,
                  f.filing_receipt_no, f.filing_receipt_sha256, f.area.lat, f.area.lon, f.area.radius_km,
                  json.dumps(list(f.equipment), ensure_ascii=False), 1 if unit["status"] == "operating" else 0)
        cols = ("name, gender, ethnicity, resident_id, id_image_sha256, cert_no, cert_image_sha256, grade,"
                " grade_rank, photo_sha256, mobile, unit_id, filing_receipt_no, filing_receipt_sha256, area_lat,"
                " area_lon, area_radius_km, equipment_json, unit_operating")
        if existing is None:
            lid = f.id or new_id(now)
            cur = conn.execute(
                f"INSERT INTO locksmiths(id, {cols}, status, created_ms, updated_ms)"
                f" VALUES (?, {','.join('?' * len(values))}, ?, ?, ?) RETURNING n", (lid, *values, f.status, now, now))
            n = int(cur.fetchone()[0])
            _history(conn, lid, None, f.status, actor, _("filed"), now)
            kind = "locksmith.filed"
        else:
            lid, n = existing["id"], existing["n"]
            sets = ", ".join(f"{c.strip()} = ?" for c in cols.split(","))
            conn.execute(f"UPDATE locksmiths SET {sets}, updated_ms = ? WHERE n = ?", (*values, now, n))
            kind = "locksmith.updated"
        conn.execute("DELETE FROM locksmith_area WHERE n = ?", (n,))
        conn.execute("INSERT INTO locksmith_area(n, min_lat, max_lat, min_lon, max_lon) VALUES (?,?,?,?,?)",
                     (n, *geo.bbox(f.area.lat, f.area.lon, f.area.radius_km)))
        conn.execute("DELETE FROM locksmith_scope WHERE locksmith_n = ?", (n,))
        conn.executemany("INSERT INTO locksmith_scope(locksmith_n, lock_class, action) VALUES (?,?,?)",
                         [(n, cls, act) for cls, acts in f.scope.items() for act in set(acts)])
        police_feed.emit(conn, kind, public_record(conn, lid) | {"actor": actor}, now_ms=now)
        if existing is not None and existing["status"] != f.status:
            set_locksmith_status(conn, clock, actor, lid, f.status, _("filing updated"))
        return lid


def set_locksmith_status(conn: Conn, clock: Clock, actor: str, locksmith_id: str, status: str,
                         reason: str) -> None:
    issues = v.Issues()
    issues.add("status", v.one_of(status, v.LOCKSMITH_STATUSES))
    issues.add("reason", v.text(reason))
    issues.raise_if_any()
    now = clock.now_ms()
    with transaction(conn):
        row = conn.execute("SELECT status FROM locksmiths WHERE id = ?", (locksmith_id,)).fetchone()
        if row is None:
            raise NotFound("locksmith", locksmith_id)
        if row["status"] == status:
            return
        conn.execute("UPDATE locksmiths SET status = ?, updated_ms = ? WHERE id = ?", (status, now, locksmith_id))
        _history(conn, locksmith_id, row["status"], status, actor, reason, now)
        police_feed.emit(conn, "locksmith.status", {"id": locksmith_id, "from": row["status"], "to": status,
                                                    "actor": actor, "reason": reason, "at_ms": now}, now_ms=now)


def link_kit(conn: Conn, clock: Clock, actor: str, link: KitLink) -> None:
    now = clock.now_ms()
    with transaction(conn):
        if conn.execute("SELECT 1 FROM locksmiths WHERE id = ?", (link.locksmith_id,)).fetchone() is None:
            raise NotFound("locksmith", link.locksmith_id)
        current = locksmith_of_kit(conn, link.kit_id)
        if link.unlink:
            if current != link.locksmith_id:
                raise DomainError("not_linked", _("this kit is not linked to this locksmith"))
            conn.execute("UPDATE locksmith_kits SET unlinked_ms = ? WHERE kit_id = ? AND unlinked_ms IS NULL",
                         (now, link.kit_id))
        else:
            if current is not None:
                if current == link.locksmith_id:
                    return
                raise DomainError("kit_taken", _("this kit is linked to another locksmith; unlink it first"))
            conn.execute("INSERT INTO locksmith_kits(locksmith_id, kit_id, linked_ms, actor) VALUES (?,?,?,?)",
                         (link.locksmith_id, link.kit_id, now, actor))
        refresh_locksmith(conn, link.locksmith_id)
        police_feed.emit(conn, "locksmith.kit", {"id": link.locksmith_id, "kit_id": link.kit_id,
                                                 "linked": not link.unlink, "actor": actor, "at_ms": now}, now_ms=now)


def enroll_fingerprint(conn: Conn, clock: Clock, actor: str, fp: FingerprintEnroll) -> int:
    """Record a template enrolled on a kit; returns how many fingers the locksmith now has."""
    issues = v.Issues()
    issues.add("finger", v.one_of(fp.finger, v.FINGERS))
    issues.add("template_sha256", v.sha256(fp.template_sha256))
    issues.raise_if_any()
    now = clock.now_ms()
    with transaction(conn):
        if conn.execute("SELECT 1 FROM locksmiths WHERE id = ?", (fp.locksmith_id,)).fetchone() is None:
            raise NotFound("locksmith", fp.locksmith_id)
        conn.execute(
            "INSERT INTO locksmith_fingerprints(locksmith_id, finger, template_sha256, kit_id, enrolled_ms, actor)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT(locksmith_id, finger) DO UPDATE SET"
            " template_sha256 = excluded.template_sha256, kit_id = excluded.kit_id,"
            " enrolled_ms = excluded.enrolled_ms, actor = excluded.actor",
            (fp.locksmith_id, fp.finger, fp.template_sha256, fp.kit_id, now, actor))
        police_feed.emit(conn, "locksmith.fingerprint", {"id": fp.locksmith_id, "finger": fp.finger,
                                                         "template_sha256": fp.template_sha256,
                                                         "kit_id": fp.kit_id, "at_ms": now}, now_ms=now)
        return int(conn.execute("SELECT count(*) FROM locksmith_fingerprints WHERE locksmith_id = ?",
                                (fp.locksmith_id,)).fetchone()[0])


def record_rating(conn: Conn, locksmith_id: str, stars: int) -> int:
    """Fold a 1-5 star rating into quality (rule 2): a Bayesian mean with a prior of 3 stars weighing 5
    ratings, so one early 5-star rating does not outrank a long good record. Returns the new quality."""
    if not 1 <= stars <= 5:
        raise DomainError("invalid", _("stars must be 1 to 5"))
    with transaction(conn):
        conn.execute("UPDATE locksmiths SET rating_sum = rating_sum + ?, rating_count = rating_count + 1,"
                     " quality = ((rating_sum + ?) * 1000 + 15000) / (rating_count + 1 + 5) WHERE id = ?",
                     (stars, stars, locksmith_id))
        row = conn.execute("SELECT quality FROM locksmiths WHERE id = ?", (locksmith_id,)).fetchone()
        if row is None:
            raise NotFound("locksmith", locksmith_id)
        return int(row["quality"])


def _history(conn: Conn, lid: str, old: str | None, new: str, actor: str, reason: str,
             now: int) -> None:
    conn.execute("INSERT INTO locksmith_status_history(locksmith_id, from_status, to_status, actor, reason, at_ms)"
                 " VALUES (?,?,?,?,?,?)", (lid, old, new, actor, reason, now))


def scope_of(conn: Conn, n: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in conn.execute("SELECT lock_class, action FROM locksmith_scope WHERE locksmith_n = ?"
                          " ORDER BY lock_class, action", (n,)):
        out.setdefault(r["lock_class"], []).append(r["action"])
    return out


def public_record(conn: Conn, locksmith_id: str) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM locksmiths WHERE id = ?", (locksmith_id,)).fetchone()
    if row is None:
        raise NotFound("locksmith", locksmith_id)
    out = {k: val for k, val in dict(row).items() if k not in ("n", "equipment_json")}
    out["equipment"] = json.loads(row["equipment_json"])
    out["scope"] = scope_of(conn, row["n"])
    return out


def get_locksmith(conn: Conn, locksmith_id: str) -> dict[str, Any]:
    out = public_record(conn, locksmith_id)
    out["kits"] = [dict(r) for r in conn.execute(
        "SELECT kit_id, linked_ms, unlinked_ms, actor FROM locksmith_kits WHERE locksmith_id = ? ORDER BY seq",
        (locksmith_id,))]
    out["fingerprints"] = [dict(r) for r in conn.execute(
        "SELECT finger, template_sha256, kit_id, enrolled_ms FROM locksmith_fingerprints WHERE locksmith_id = ?"
        " ORDER BY finger", (locksmith_id,))]
    out["history"] = [dict(r) for r in conn.execute(
        "SELECT from_status, to_status, actor, reason, at_ms FROM locksmith_status_history WHERE locksmith_id = ?"
        " ORDER BY seq", (locksmith_id,))]
    return out


def finger_of_template(conn: Conn, locksmith_id: str, template_sha256: str) -> str | None:
    """The finger of `locksmith_id` enrolled with this template (R-2), or None: how the hub checks the
    template a kit says matched (hub/orders/kitrecords.py)."""
    if not template_sha256:
        return None
    row = conn.execute("SELECT finger FROM locksmith_fingerprints WHERE locksmith_id = ? AND template_sha256 = ?",
                       (locksmith_id, template_sha256)).fetchone()
    return None if row is None else str(row[0])
