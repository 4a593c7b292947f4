"""R-1/R-2 filings: checksums, field errors, status history to the police feed, kits, CSV all-or-nothing."""

from __future__ import annotations

import json

from hub.police_feed import since
from hub.registry.csvio import export_csv
from tests.hub.world import SHA, World, credit_code, resident_id


def unit_args(**over: object) -> dict[str, object]:
    args: dict[str, object] = {"name": "安心开锁", "address": "北京", "uscc": credit_code(7), "legal_rep_name": "赵",
                               "legal_rep_id": resident_id(7), "filing_receipt_no": "BA-7"}
    return args | over


def locksmith_args(unit_id: str, **over: object) -> dict[str, object]:
    args: dict[str, object] = {
        "name": "王五", "gender": "male", "ethnicity": "汉", "resident_id": resident_id(77), "id_image_sha256": SHA,
        "cert_no": "C77", "cert_image_sha256": SHA, "grade": "senior", "photo_sha256": SHA, "mobile": "13912345678",
        "unit_id": unit_id, "area": {"lat": 39.9, "lon": 116.4, "radius_km": 10}, "scope": {"B": ["open"]},
        "equipment": ["pick set"], "filing_receipt_no": "F77"}
    return args | over


def test_checksums_and_field_errors_all_reported(world: World) -> None:
    bad_ric = resident_id(7)[:-1] + ("0" if resident_id(7)[-1] != "0" else "1")
    r = world.ops("unit.file", unit_args(uscc="91110000600037341X", legal_rep_id=bad_ric, name=""))
    assert not r["ok"] and r["code"] == "invalid"
    assert {e["field"] for e in r["errors"]} == {"uscc", "legal_rep_id", "name"}
    unit = world.ops("unit.file", unit_args())["result"]["id"]
    r = world.ops("locksmith.file", locksmith_args(unit, mobile="12345678901", grade="master",
                                                   scope={"B": ["fly"], "X": ["open"]}, photo_sha256="nothex"))
    fields = {e["field"] for e in r["errors"]}
    assert {"mobile", "grade", "scope.B", "scope.X", "photo_sha256"} <= fields


def test_status_changes_kept_as_history_and_fed_to_police(world: World) -> None:
    unit = world.ops("unit.file", unit_args())["result"]["id"]
    lid = world.ops("locksmith.file", locksmith_args(unit))["result"]["id"]
    assert world.ops("unit.status", {"id": unit, "status": "suspended", "reason": "inspection"})["ok"]
    assert world.ops("locksmith.status", {"id": lid, "status": "left", "reason": "resigned"})["ok"]
    shown = world.ops("unit.show", {"id": unit})["result"]
    assert [(h["from_status"], h["to_status"], h["actor"]) for h in shown["history"]] == [
        (None, "operating", "operator:op1"), ("operating", "suspended", "operator:op1")]
    smith = world.ops("locksmith.show", {"id": lid})["result"]
    assert smith["history"][-1]["reason"] == "resigned"
    kinds = [r["kind"] for r in since(world.conn)]
    assert {"unit.filed", "locksmith.filed", "unit.status", "locksmith.status"} <= set(kinds)
    body = json.loads([r for r in since(world.conn) if r["kind"] == "unit.status"][0]["body_json"])
    assert body["to"] == "suspended" and body["actor"] == "operator:op1"
    assert not world.ops("unit.status", {"id": unit, "status": "bankrupt", "reason": "x"})["ok"]


def test_kit_link_and_three_fingers(world: World) -> None:
    unit = world.ops("unit.file", unit_args())["result"]["id"]
    lid = world.ops("locksmith.file", locksmith_args(unit))["result"]["id"]
    assert world.ops("locksmith.link_kit", {"locksmith_id": lid, "kit_id": "kit-a"})["ok"]
    other = world.ops("locksmith.file", locksmith_args(unit, resident_id=resident_id(78)))["result"]["id"]
    taken = world.ops("locksmith.link_kit", {"locksmith_id": other, "kit_id": "kit-a"})
    assert not taken["ok"] and taken["code"] == "kit_taken"
    for i, finger in enumerate(("right_thumb", "right_index", "left_index"), start=1):
        r = world.ops("locksmith.fingerprint", {"locksmith_id": lid, "finger": finger, "template_sha256": SHA,
                                                "kit_id": "kit-a"})
        assert r["result"]["fingers"] == i
    shown = world.ops("locksmith.show", {"id": lid})["result"]
    assert len(shown["fingerprints"]) == 3 and shown["kits"][0]["kit_id"] == "kit-a"


def test_csv_round_trip_and_all_or_nothing(world: World) -> None:
    unit = world.ops("unit.file", unit_args())["result"]["id"]
    world.ops("locksmith.file", locksmith_args(unit, scope={"B": ["open", "repair"], "safe": ["open"]}))
    text = export_csv(world.conn, "locksmiths")
    header, row = text.strip().split("\n")
    assert "B:open|repair;safe:open" in row
    good = row.replace(resident_id(77), resident_id(79)).split(",")
    good[0] = ""
    bad = list(good)
    bad[4] = resident_id(80)[:-1] + "5" if resident_id(80)[-1] != "5" else resident_id(80)[:-1] + "6"
    bad[10] = "555"
    csv_text = "\n".join([header, ",".join(good), ",".join(bad)]) + "\n"
    before = world.conn.execute("SELECT count(*) FROM locksmiths").fetchone()[0]
    report = world.ops("registry.import", {"kind": "locksmiths", "csv_text": csv_text})["result"]
    assert not report["ok"] and report["imported"] == 0
    assert {(e["line"], e["field"]) for e in report["errors"]} == {(3, "resident_id"), (3, "mobile")}
    assert world.conn.execute("SELECT count(*) FROM locksmiths").fetchone()[0] == before
    ok = world.ops("registry.import", {"kind": "locksmiths",
                                       "csv_text": "\n".join([header, ",".join(good)]) + "\n"})["result"]
    assert ok == {"ok": True, "imported": 1, "errors": []}
    assert world.conn.execute("SELECT count(*) FROM locksmiths").fetchone()[0] == before + 1
