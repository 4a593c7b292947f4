from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hub.forwarding.sealer import ChainSealer, wire
from hub.police import layout
from hub.police.media_store import media_path
from hub.police.verify import verify_export
from hub.police.writer import AppendStatus
from protocol.keys import SigningKey

from .conftest import order_life


@pytest.fixture
def export(make_writer, sealer, clock, tmp_path) -> Path:
    w = make_writer()
    results = w.append_many(order_life(sealer, clock))
    assert AppendStatus.REJECTED not in {r.status for r in results}
    w.close()
    return tmp_path / "export"


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def test_whole_order_life_is_in_the_export_and_verifies(export, hub_key):
    rep = verify_export(export, hub_key.private.public_key())
    assert rep.ok, rep.problems
    assert rep.entries == 8 and rep.head_seq == 8 and rep.checkpoint_seq == 8
    assert rep.media_checked == 3
    kinds = [json.loads(x)["env"]["body"]["kind"] for f in layout.record_files(export) for x in lines(f)]
    assert kinds[:3] == ["locksmith.filed", "order.requested", "order.formed"]
    assert kinds[-2:] == ["order.completed", "followup.recorded"]


def test_duplicates_gaps_and_bad_signatures_are_not_written(make_writer, sealer, clock, hub_key):
    w = make_writer()
    first = wire(sealer.record(ts=clock.now_ms(), kind="k", entity_id="e", created_ms=1, data={}))
    second = wire(sealer.record(ts=clock.now_ms(), kind="k", entity_id="e", created_ms=2, data={}))
    third = wire(sealer.record(ts=clock.now_ms(), kind="k", entity_id="e", created_ms=3, data={}))
    assert w.append(third).status is AppendStatus.GAP
    assert w.append(first).status is AppendStatus.APPENDED
    assert w.append(first).status is AppendStatus.DUPLICATE
    forged = ChainSealer(SigningKey.generate(), seq=1, head=sealer.head)
    bad = wire(forged.record(ts=clock.now_ms(), kind="k", entity_id="e", created_ms=9, data={}))
    assert w.append(bad).status is AppendStatus.REJECTED
    assert [r.status for r in w.append_many([second, third, second])] == [
        AppendStatus.APPENDED, AppendStatus.APPENDED, AppendStatus.DUPLICATE]
    assert w.head[0] == 3 and w.ack_body().upto_seq == 3
    assert (w.root / layout.QUARANTINE).read_text().count("\n") == 1


def test_record_waits_for_its_media(make_writer, sealer, clock):
    w = make_writer()
    ref, chunks = sealer.media(b"x" * 1000, clock.now_ms(), chunk_size=300)
    rec = wire(sealer.record(ts=clock.now_ms(), kind="evidence.media", entity_id="o", created_ms=1, data={},
                             media=[ref]))
    assert w.append(rec).status is AppendStatus.MEDIA_PENDING
    assert [r.status for r in w.append_many([wire(c) for c in chunks[:2]])] == [AppendStatus.MEDIA_CHUNK] * 2
    assert w.ack_body().media_chunks == {ref.sha256: [0, 1]}
    assert [r.status for r in w.append_many([wire(c) for c in chunks[2:]])][-1] is AppendStatus.MEDIA_COMPLETE
    assert w.append(rec).status is AppendStatus.APPENDED


def _tampered(export: Path, tmp_path: Path, name: str) -> Path:
    copy = tmp_path / name
    shutil.copytree(export, copy)
    return copy


def _records(root: Path) -> list[Path]:
    return layout.record_files(root)


def _verify(root: Path, hub_key: SigningKey):
    return verify_export(root, hub_key.private.public_key())


def test_edited_entry_is_named(export, tmp_path, hub_key):
    root = _tampered(export, tmp_path, "edited")
    f = _records(root)[0]
    ls = lines(f)
    ls[1] = ls[1].replace("张三".encode(), "王五".encode())
    f.write_bytes(b"".join(ls))
    rep = _verify(root, hub_key)
    assert [(p.code, p.file, p.line, p.seq) for p in rep.problems] == [("edited", f"records/{f.name}", 2, 2)]
    assert "seq 2" in rep.problems[0].message


def test_edit_rehashed_forward_breaks_the_link_and_the_checkpoint(export, tmp_path, hub_key):
    from hub.police.chain import encode_line, entry_hash
    from hub.police.reader import iter_entries

    root = _tampered(export, tmp_path, "rehashed")
    items = list(iter_entries(root))
    f = root / items[1].file
    env = items[1].env
    env["body"]["data"]["customer_name"] = "王五"
    from hub.police.chain import Entry

    new = Entry(seq=2, prev=items[1].prev, hash=entry_hash(2, items[1].prev, env), env=env)
    ls = lines(f)
    ls[items[1].line - 1] = encode_line(new)
    f.write_bytes(b"".join(ls))
    rep = _verify(root, hub_key)
    assert ("chain_broken", 3) in [(p.code, p.seq) for p in rep.problems]
    assert not rep.ok


def test_deleted_entry_is_named(export, tmp_path, hub_key):
    root = _tampered(export, tmp_path, "deleted")
    f = _records(root)[0]
    ls = lines(f)
    del ls[2]
    f.write_bytes(b"".join(ls))
    rep = _verify(root, hub_key)
    assert (rep.problems[0].code, rep.problems[0].seq) == ("missing", 3)
    assert f"after records/{f.name} line 2" in rep.problems[0].message
    # The bookkeeping no longer adds up either: the manifest's entry count, chain.json's byte offset.
    assert set(rep.codes()[1:]) == {"manifest", "chain_state"}


def test_reordered_entries_are_named(export, tmp_path, hub_key):
    root = _tampered(export, tmp_path, "reordered")
    f = _records(root)[0]
    ls = lines(f)
    ls[3], ls[4] = ls[4], ls[3]
    f.write_bytes(b"".join(ls))
    rep = _verify(root, hub_key)
    assert [(p.code, p.line, p.seq) for p in rep.problems] == [("reordered", 4, 5), ("reordered", 5, 4)]


def test_inserted_entry_is_named(export, tmp_path, hub_key):
    root = _tampered(export, tmp_path, "inserted")
    f = _records(root)[0]
    ls = lines(f)
    ls.insert(2, ls[5])
    f.write_bytes(b"".join(ls))
    rep = _verify(root, hub_key)
    assert ("reordered", 3, 6) in [(p.code, p.line, p.seq) for p in rep.problems]
    assert ("duplicate", 7, 6) in [(p.code, p.line, p.seq) for p in rep.problems]


def test_removed_tail_and_removed_file_are_named(export, tmp_path, hub_key):
    root = _tampered(export, tmp_path, "truncated")
    f = _records(root)[-1]
    ls = lines(f)
    f.write_bytes(b"".join(ls[:-2]))
    rep = _verify(root, hub_key)
    assert "truncated" in rep.codes()
    assert any("7..8" in p.message for p in rep.problems)


def test_removed_day_file_is_named(export, tmp_path, hub_key):
    root = _tampered(export, tmp_path, "nofile")
    f = _records(root)[0]
    f.unlink()
    rep = _verify(root, hub_key)
    assert ("file_missing", f"records/{f.name}") in [(p.code, p.file) for p in rep.problems]
    assert {"missing", "truncated"} & set(rep.codes())


def test_altered_and_missing_media_are_named(export, tmp_path, hub_key):
    root = _tampered(export, tmp_path, "media")
    from hub.police.reader import iter_entries

    refs = [(i.seq, m["sha256"]) for i in iter_entries(root) for m in i.env["body"]["media"]]
    (seq_a, sha_a), (seq_b, sha_b) = refs[0], refs[1]
    path_a = media_path(root, sha_a)
    path_a.write_bytes(path_a.read_bytes()[:-1] + b"!")
    media_path(root, sha_b).unlink()
    rep = _verify(root, hub_key)
    media = [p for p in rep.problems if p.code.startswith("media_")]
    assert sorted((p.code, p.seq) for p in media) == [("media_altered", seq_a), ("media_missing", seq_b)]
    assert [p.message for p in rep.problems if p.code == "manifest"] == [
        "manifest.json counts 3 media files, the export holds 2"]
    assert all(sha in " ".join(p.message for p in rep.problems) for sha in (sha_a, sha_b))


def test_forged_checkpoint_and_wrong_key_are_refused(export, tmp_path, hub_key):
    root = _tampered(export, tmp_path, "forged")
    manifest = json.loads((root / layout.MANIFEST).read_text())
    manifest["checkpoint"]["body"]["seq"] = 3
    (root / layout.MANIFEST).write_text(json.dumps(manifest))
    assert [p.message for p in _verify(root, hub_key).problems] == [
        "manifest.json: its checkpoint is not the latest valid line of checkpoints.jsonl (checkpoints removed or "
        "altered)"]
    assert not verify_export(export, SigningKey.generate().private.public_key()).ok


def test_problems_are_named_in_chinese_by_default(export, tmp_path, hub_key):
    from protocol.i18n import set_language

    root = _tampered(export, tmp_path, "zh")
    f = _records(root)[0]
    ls = lines(f)
    del ls[2]
    f.write_bytes(b"".join(ls))
    set_language("zh_CN")
    rep = _verify(root, hub_key)
    set_language("en")
    assert rep.problems[0].message == f"序号 3..3 的记录缺失（位于 records/{f.name} 第 2 行之后）：已被删除"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    from hub.forwarding.sealer import ChainSealer
    from hub.police.writer import ExportWriter
    from protocol.clock import FakeClock

    key = SigningKey.generate()
    clock = FakeClock()
    root = tmp_path_factory.mktemp("pristine") / "export"
    w = ExportWriter(root, key.private.public_key(), clock=clock)
    w.append_many(order_life(ChainSealer(key), clock))
    w.close()
    return root, key


def test_any_single_byte_change_in_the_records_is_detected(pristine, tmp_path_factory):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    root, key = pristine
    f = _records(root)[0]
    original = f.read_bytes()
    copy = tmp_path_factory.mktemp("fuzz") / "export"
    shutil.copytree(root, copy)
    target = copy / "records" / f.name

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(pos=st.integers(0, len(original) - 1), byte=st.integers(0x20, 0x7E))
    def check(pos: int, byte: int) -> None:
        if original[pos] == byte or original[pos] == 0x0A:
            return
        target.write_bytes(original[:pos] + bytes([byte]) + original[pos + 1:])
        assert not verify_export(copy, key.private.public_key()).ok, (pos, chr(byte))

    check()
