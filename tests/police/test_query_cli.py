from __future__ import annotations

import json
import shutil

import pytest

from hub.police.query import Query, open_view, run_query
from hub.police.views import rebuild_index, write_csv
from hub.police.writer import AppendStatus
from lockwarden.cli import main

from .conftest import order_life


@pytest.fixture
def export(make_writer, sealer, clock, tmp_path):
    w = make_writer()
    assert AppendStatus.REJECTED not in {r.status for r in w.append_many(order_life(sealer, clock))}
    w.close()
    return tmp_path / "export"


@pytest.mark.parametrize("q, kinds", [
    (Query(resident_id="11010519491231002x"), ["order.requested"]),
    (Query(name="张"), ["order.requested"]),
    (Query(phone="13900000001"), ["order.requested"]),
    (Query(address="北京市东城区"), ["order.requested"]),
    (Query(area="东城区"), ["order.requested"]),
    (Query(locksmith="ls-7", kind="order.completed"), ["order.completed"]),
    (Query(unit="unit-3"), ["locksmith.filed", "order.formed"]),
    (Query(kit="kit-12", kind="evidence.media"), ["evidence.media"] * 3),
])
def test_query_by_each_key(export, q, kinds):
    assert [h.kind for h in run_query(open_view(export), q)] == kinds


def test_query_by_order_and_time_range(export, clock):
    conn = open_view(export)
    life = run_query(conn, Query(order="01KDVDNA00E8H72SAR7QA07TDA"))
    assert [h.kind for h in life][0] == "order.requested" and len(life) == 7
    start = life[2].created_ms
    assert [h.seq for h in run_query(conn, Query(since_ms=start, until_ms=start + 1))] == [life[2].seq]


def test_index_rebuilds_from_the_chain_and_csv(export):
    (export / "views.sqlite").unlink()
    shutil.rmtree(export / "views.sqlite-wal", ignore_errors=True)
    assert rebuild_index(export) == 8
    out = write_csv(export)
    assert out.read_text(encoding="utf-8-sig").count("\n") == 9


def test_cli_verify_and_query_exit_codes(export, hub_key, tmp_path, capsys):
    key_file = tmp_path / "hub.pub"
    key_file.write_text(hub_key.public_b64())
    assert main(["--lang", "en", "police-verify", str(export), "--hub-key", str(key_file)]) == 0
    assert "OK" in capsys.readouterr().out
    assert main(["--lang", "en", "police-query", str(export), "--phone", "139 0000 0001"]) == 0
    assert "request for a locksmith" in capsys.readouterr().out
    f = sorted((export / "records").iterdir())[0]
    f.write_bytes(f.read_bytes().replace(b"13900000007", b"13900000008").replace("张三".encode(), "李四".encode()))
    assert main(["--lang", "en", "police-verify", str(export), "--hub-key", str(key_file)]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM" in out and "line 2" in out and "seq 2" in out


def test_area_is_derived_from_addresses():
    from hub.police.keys_index import district_of, extract

    assert district_of("广东省深圳市南山区科技园") == "南山区"
    assert ("area", "朝阳区") in extract("unit.filed", "u1", {"address": "北京市朝阳区某路1号"})


@pytest.mark.parametrize("lang, words", [
    ("en", ["request for a locksmith; order A07-TDA", "customer 张三 (ID **************002X)",
            "order formed; order A07-TDA", "locksmith 李师傅", "order completed", "fee ¥150.00", "5 stars"]),
    ("zh_CN", ["开锁求助；订单 A07-TDA", "客户 张三（身份证 **************002X）", "锁匠 李师傅", "收费 ¥150.00"]),
])
def test_query_rows_read_as_words_not_records(export, capsys, lang, words):
    """Each row says what the record is, the order by the number the kit reads out, people by name, money in
    yuan, ID numbers to their last 4; no kind, id or JSON. --json keeps the records whole."""
    assert main(["--lang", lang, "police-query", str(export), "--officer", "京A-0001"]) == 0
    out = capsys.readouterr().out
    rows = [ln for ln in out.splitlines() if ln.startswith(" ")]  # "   seq  time  row"
    assert len(rows) == 8
    text = "\n".join(rows)
    for w in words:
        assert w in text, (w, text)
    for raw in ("order.requested", "order.formed", "01KDVDNA00E8H72SAR7QA07TDA", "11010519491231002X", "{", "fee_fen",
                "15000", "ls-7"):
        assert raw not in text, raw
    assert main(["--lang", lang, "police-query", str(export), "--kind", "order.requested", "--json",
                 "--officer", "京A-0001"]) == 0
    record = json.loads(capsys.readouterr().out)[0]
    assert record["kind"] == "order.requested" and record["data"]["customer_id_number"] == "11010519491231002X"
