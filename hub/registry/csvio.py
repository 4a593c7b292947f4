"""Registry import/export as CSV for operators migrating from spreadsheets.

Import is all or nothing: every row is parsed and validated first and every problem is reported with
its line and field; only a clean file is written, in one transaction.
Cell formats: scope `A:open|repair;B+:open`, equipment `pick set;drill`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

import msgspec

from hub.db import Conn, DatabaseError, Tx
from hub.registry import store
from hub.registry.errors import DomainError, FieldIssue, ValidationFailed
from hub.registry.locksmiths import check_locksmith, file_locksmith, scope_of
from hub.registry.units import check_unit, file_unit
from protocol.clock import Clock
from protocol.i18n import _
from protocol.messages.ops import LocksmithFiling, ServiceArea, UnitFiling

UNIT_COLUMNS = ("id", "name", "address", "uscc", "legal_rep_name", "legal_rep_id", "filing_receipt_no",
                "filing_receipt_sha256", "status")
LOCKSMITH_COLUMNS = ("id", "name", "gender", "ethnicity", "resident_id", "id_image_sha256", "cert_no",
                     "cert_image_sha256", "grade", "photo_sha256", "mobile", "unit_id", "filing_receipt_no",
                     "filing_receipt_sha256", "area_lat", "area_lon", "area_radius_km", "scope", "equipment",
                     "status")
COLUMNS = {"units": UNIT_COLUMNS, "locksmiths": LOCKSMITH_COLUMNS}


@dataclass
class RowError:
    line: int
    field: str
    message: str


@dataclass
class ImportReport:
    ok: bool
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "imported": self.imported,
                "errors": [{"line": e.line, "field": e.field, "message": e.message} for e in self.errors]}


def parse_scope(cell: str) -> dict[str, list[str]]:
    scope: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in cell.split(";"))):
        cls, _sep, acts = part.partition(":")
        scope[cls.strip()] = [a.strip() for a in acts.split("|") if a.strip()]
    return scope


def format_scope(scope: dict[str, list[str]]) -> str:
    return ";".join(f"{cls}:{'|'.join(acts)}" for cls, acts in scope.items())


def _unit(row: dict[str, str]) -> UnitFiling:
    return UnitFiling(id=row["id"] or None, name=row["name"], address=row["address"], uscc=row["uscc"],
                      legal_rep_name=row["legal_rep_name"], legal_rep_id=row["legal_rep_id"],
                      filing_receipt_no=row["filing_receipt_no"],
                      filing_receipt_sha256=row["filing_receipt_sha256"] or None, status=row["status"] or "operating")


def _locksmith(row: dict[str, str]) -> LocksmithFiling:
    try:
        area = ServiceArea(float(row["area_lat"]), float(row["area_lon"]), float(row["area_radius_km"]))
    except ValueError as exc:
        raise ValidationFailed([FieldIssue("area", _("latitude, longitude and radius must be numbers"))]) from exc
    return LocksmithFiling(
        id=row["id"] or None, name=row["name"], gender=row["gender"], ethnicity=row["ethnicity"],
        resident_id=row["resident_id"], id_image_sha256=row["id_image_sha256"], cert_no=row["cert_no"],
        cert_image_sha256=row["cert_image_sha256"], grade=row["grade"], photo_sha256=row["photo_sha256"],
        mobile=row["mobile"], unit_id=row["unit_id"], filing_receipt_no=row["filing_receipt_no"],
        filing_receipt_sha256=row["filing_receipt_sha256"] or None, area=area, scope=parse_scope(row["scope"]),
        equipment=[e.strip() for e in row["equipment"].split(";") if e.strip()], status=row["status"] or "on_duty")


def import_csv(conn: Conn, clock: Clock, actor: str, kind: str, text: str) -> ImportReport:
    if kind not in COLUMNS:
        raise DomainError("invalid", _("kind must be units or locksmiths"))
    columns = COLUMNS[kind]
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        return ImportReport(False, errors=[RowError(1, c, _("missing column")) for c in missing])
    report = ImportReport(True)
    parsed: list[tuple[int, msgspec.Struct]] = []
    seen: dict[str, int] = {}
    unique_col = "uscc" if kind == "units" else "resident_id"
    for line, row in enumerate(reader, start=2):
        clean = {k: (row.get(k) or "").strip() for k in columns}
        try:
            item: msgspec.Struct = _unit(clean) if kind == "units" else _locksmith(clean)
            if isinstance(item, UnitFiling):
                check_unit(conn, item).raise_if_any()
            else:
                assert isinstance(item, LocksmithFiling)
                check_locksmith(conn, item).raise_if_any()
        except ValidationFailed as exc:
            report.errors.extend(RowError(line, i.field, i.message) for i in exc.issues)
            continue
        if clean[unique_col] in seen:
            report.errors.append(RowError(line, unique_col, _("duplicate of line ") + str(seen[clean[unique_col]])))
            continue
        seen[clean[unique_col]] = line
        parsed.append((line, item))
    if report.errors:
        report.ok = False
        return report
    # One unit of work (a savepoint inside the caller's transaction): every row of the import is undone
    # when one fails.
    line = 0
    try:
        with Tx(conn):
            for line, item in parsed:  # noqa: B007 - `line` names the failing row below
                if isinstance(item, UnitFiling):
                    file_unit(conn, clock, actor, item)
                else:
                    assert isinstance(item, LocksmithFiling)
                    file_locksmith(conn, clock, actor, item)
    except DomainError as exc:
        return ImportReport(False, errors=[RowError(line, "", exc.message)])
    except DatabaseError as exc:
        return ImportReport(False, errors=[RowError(line, "", str(exc))])
    report.imported = len(parsed)
    return report


def export_csv(conn: Conn, kind: str) -> str:
    if kind not in COLUMNS:
        raise DomainError("invalid", _("kind must be units or locksmiths"))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS[kind]), lineterminator="\n")
    writer.writeheader()
    if kind == "units":
        for r in store.units(conn):
            writer.writerow({c: r[c] if r[c] is not None else "" for c in UNIT_COLUMNS})
        return out.getvalue()
    for r in store.locksmiths(conn):
        row = {c: r[c] for c in LOCKSMITH_COLUMNS if c not in ("scope", "equipment")}
        row = {k: ("" if val is None else val) for k, val in row.items()}
        row["scope"] = format_scope(scope_of(conn, r["n"]))
        row["equipment"] = ";".join(json.loads(r["equipment_json"]))
        writer.writerow(row)
    return out.getvalue()
