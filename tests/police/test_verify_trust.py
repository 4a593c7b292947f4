"""police-verify trusts nothing it is handed (issue 15 item 3): the hub key only from the police's pin, every
checkpoint, the manifest's bookkeeping, the daily-file rule, chain.json, and the police's own signed record
of what they acknowledged. Each tampering kind is made the way an attacker with write access to the export
folder would make it, as consistent as they could make it, and must be named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hub.forwarding.sealer import ChainSealer, wire
from hub.police import acked, layout
from hub.police.service import ExportService
from hub.police.trust import fingerprint
from hub.police.verify import verify_export
from hub.police.writer import AppendStatus, ExportWriter
from lockwarden.cli import main
from protocol.clock import FakeClock
from protocol.keys import SigningKey

from .conftest import HOUR

DAY0 = 1_767_225_600_000 + 20 * HOUR  # 2026-01-01T20:00Z: the life below crosses into 2026-01-02


def _life(sealer: ChainSealer, clock: FakeClock, n: int, *, checkpoint_every: int = 0) -> list[bytes]:
    out: list[bytes] = []
    for i in range(1, n + 1):
        clock.advance(HOUR)
        media = []
        if i % 3 == 0:
            ref, chunks = sealer.media(f"photo {i}".encode() * 300, clock.now_ms(), kind="photo.lock_after",
                                       content_type="image/jpeg", chunk_size=1024)
            out += [wire(c) for c in chunks]
            media = [ref]
        out.append(wire(sealer.record(ts=clock.now_ms(), kind="order.completed", entity_id=f"o-{i}",
                                      created_ms=clock.now_ms(), data={"order_id": f"o-{i}", "fee_fen": 100 * i},
                                      media=media)))
        if checkpoint_every and i % checkpoint_every == 0:
            out.append(wire(sealer.checkpoint(clock.now_ms())))
    return out


class Export:
    """An export written through the real writer and service (which keeps the police's ack record)."""

    def __init__(self, tmp: Path, hub_key: SigningKey, messages: list[bytes], police_key: SigningKey) -> None:
        self.root = tmp / "export"
        self.acked = tmp / "station" / "police.acked.json"
        clock = FakeClock(DAY0 + 12 * HOUR)
        self.writer = ExportWriter(self.root, hub_key.private.public_key(), clock=clock)
        service = ExportService(self.writer, ack_key=police_key, clock=clock, publish=lambda _t, _b: None,
                                acked_path=self.acked)
        for raw in messages:
            results = self.writer.append_many([raw])
            assert AppendStatus.REJECTED not in {r.status for r in results}
            service.send_ack()
        self.writer.close()


@pytest.fixture
def police_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def full(tmp_path, hub_key, police_key) -> Export:
    clock = FakeClock(DAY0)
    return Export(tmp_path / "full", hub_key, _life(ChainSealer(hub_key), clock, 9, checkpoint_every=3), police_key)


def _copy(export: Export, tmp_path: Path, name: str) -> Path:
    dst = tmp_path / name
    shutil.copytree(export.root, dst)
    return dst


def _verify(root: Path, hub_key: SigningKey, record: acked.AckRecord | None = None):
    return verify_export(root, hub_key.private.public_key(), acked=record)


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def test_genuine_export_with_several_checkpoints_verifies(full, hub_key, police_key):
    record = acked.load(full.acked, police_key.private.public_key())
    rep = _verify(full.root, hub_key, record)
    assert rep.ok, rep.problems
    assert (rep.entries, rep.checkpoints, rep.checkpoint_seq, rep.unconfirmed, rep.acked_seq) == (9, 3, 9, 0, 9)
    assert [p.name for p in layout.record_files(full.root)] == ["2026-01-01.jsonl", "2026-01-02.jsonl"]
    assert rep.media_checked == 3


def test_entries_after_the_last_checkpoint_are_reported_unconfirmed(tmp_path, hub_key, police_key):
    clock = FakeClock(DAY0)
    sealer = ChainSealer(hub_key)
    msgs = _life(sealer, clock, 4, checkpoint_every=3)  # checkpoint at 3; entry 4 after it
    ex = Export(tmp_path, hub_key, msgs, police_key)
    rep = _verify(ex.root, hub_key)
    assert rep.ok and rep.unconfirmed == 1 and rep.checkpoint_seq == 3
    assert "1 entries after the last hub checkpoint (seq 4..4)" in rep.warnings[0]


def test_no_pinned_key_is_not_a_verdict(full, tmp_path, capsys):
    rep = verify_export(full.root, None)
    assert rep.codes() == ["no_key"]
    assert main(["--lang", "en", "police-verify", str(full.root)]) == 3
    assert "NOT VERIFIED" in capsys.readouterr().out


def test_fingerprint_pins_the_manifest_key_or_rejects_it(full, hub_key, capsys):
    fp = fingerprint(hub_key.private.public_key())
    assert main(["--lang", "en", "police-verify", str(full.root), "--hub-fingerprint", "SHA256:" + fp.upper()]) == 0
    assert fp in capsys.readouterr().out
    other = fingerprint(SigningKey.generate().private.public_key())
    assert main(["--lang", "en", "police-verify", str(full.root), "--hub-fingerprint", other]) == 1
    assert f"not the pinned {other}" in capsys.readouterr().out


def test_full_resigning_with_a_swapped_key_is_rejected(tmp_path, hub_key, police_key, capsys):
    """The attacker rewrites the whole export with their own key: records, checkpoints and the manifest's
    hub_key all agree with each other. Only the pinned key tells."""
    forger = SigningKey.generate()
    clock = FakeClock(DAY0)
    forged = Export(tmp_path / "forged", forger, _life(ChainSealer(forger), clock, 9, checkpoint_every=3),
                    police_key)
    assert verify_export(forged.root, forger.private.public_key()).ok  # self-consistent
    rep = _verify(forged.root, hub_key)
    assert {"checkpoint_signature", "no_checkpoint", "manifest", "signature"} <= set(rep.codes())
    assert "checkpoints.jsonl line 1: not a hub checkpoint validly signed by the pinned hub key" in rep.problems[0].message
    assert any("names a hub key other than the pinned one" in p.message for p in rep.problems)
    # Run as the police would: without a key it is no verdict (exit 3), never OK.
    assert main(["--lang", "en", "police-verify", str(forged.root)]) == 3
    key_file = tmp_path / "hub_signing.pub"
    key_file.write_text(hub_key.public_b64() + "\n")
    assert main(["--lang", "en", "police-verify", str(forged.root), "--hub-key", str(key_file)]) == 1
    assert "FAILED" in capsys.readouterr().out


def _consistent_cut(root: Path, keep: int) -> None:
    """Cut every entry after `keep` and fix chain.json and the manifest's head and files to match, as a
    careful attacker would (the media of the removed entries stay: harmless)."""
    kept_files = []
    state = None
    for path in layout.record_files(root):
        out, line_no, offset = [], 0, 0
        for line in _lines(path):
            entry = json.loads(line)
            if entry["seq"] <= keep:
                out.append(line)
                line_no += 1
                offset += len(line)
                last = entry
                state = {"seq": entry["seq"], "hash": entry["hash"], "file": f"records/{path.name}",
                         "offset": offset, "line": line_no, "day": path.stem}
        if out:
            path.write_bytes(b"".join(out))
            first = json.loads(out[0])["seq"]
            kept_files.append({"name": f"records/{path.name}", "first_seq": first, "last_seq": last["seq"],
                               "last_hash": last["hash"], "entries": len(out)})
        else:
            path.unlink()
    (root / layout.STATE).write_text(json.dumps(state))
    manifest = json.loads((root / layout.MANIFEST).read_text())
    manifest["head"] = {"seq": state["seq"], "hash": state["hash"]}
    manifest["files"] = kept_files
    (root / layout.MANIFEST).write_text(json.dumps(manifest))


def test_stripped_checkpoints_with_the_tail_cut_are_rejected(full, tmp_path, hub_key, police_key):
    root = _copy(full, tmp_path, "stripped")
    (root / layout.CHECKPOINTS).unlink()
    manifest = json.loads((root / layout.MANIFEST).read_text())
    manifest["checkpoint"] = None
    (root / layout.MANIFEST).write_text(json.dumps(manifest))
    _consistent_cut(root, 5)
    rep = _verify(root, hub_key)
    assert rep.codes() == ["no_checkpoint"]
    assert "holds 5 entries but no valid hub checkpoint" in rep.problems[0].message
    record = acked.load(full.acked, police_key.private.public_key())
    rep = _verify(root, hub_key, record)
    assert rep.codes() == ["no_checkpoint", "rolled_back", "rolled_back"]
    assert "acknowledged entries up to seq 9" in rep.problems[1].message and "6..9 were removed" in rep.problems[1].message


def test_rollback_to_an_older_genuine_checkpoint_is_caught_by_the_police_record(full, tmp_path, hub_key,
                                                                                 police_key, capsys):
    """Everything left is genuine and hub-signed: only the police's own record shows the export once held
    more. Made by cutting back to checkpoint 6 and dropping the checkpoint lines after it."""
    root = _copy(full, tmp_path, "rollback")
    cps = _lines(root / layout.CHECKPOINTS)
    (root / layout.CHECKPOINTS).write_bytes(b"".join(cps[:2]))
    manifest = json.loads((root / layout.MANIFEST).read_text())
    manifest["checkpoint"] = json.loads(cps[1])
    manifest["media_files"] = 3
    (root / layout.MANIFEST).write_text(json.dumps(manifest))
    _consistent_cut(root, 6)
    rep = _verify(root, hub_key)
    assert rep.ok, rep.problems  # undetectable from the export alone ...
    record = acked.load(full.acked, police_key.private.public_key())
    rep = _verify(root, hub_key, record)  # ... but not against what the police acknowledged
    assert rep.codes() == ["rolled_back", "rolled_back"]
    assert "entries 7..9 were removed (rolled back)" in rep.problems[0].message
    assert "hub checkpoint at seq 9" in rep.problems[1].message
    key_file = tmp_path / "hub.pub"
    police_file = tmp_path / "police.key"
    key_file.write_text(hub_key.public_b64())
    police_file.write_text(police_key.to_b64())
    assert main(["--lang", "en", "police-verify", str(root), "--hub-key", str(key_file), "--acked",
                 str(full.acked), "--police-key", str(police_file)]) == 1
    assert "rolled back" in capsys.readouterr().out
    assert main(["--lang", "en", "police-verify", str(full.root), "--hub-key", str(key_file), "--acked",
                 str(full.acked), "--police-key", str(police_file)]) == 0
    assert "the police acknowledged up to record No. 9; the export holds it" in capsys.readouterr().out


def test_forged_acknowledgement_record_is_refused(full, tmp_path, hub_key, police_key):
    text = json.loads(full.acked.read_text())
    text["body"]["upto_seq"] = 3
    forged = tmp_path / "forged.acked.json"
    forged.write_text(json.dumps(text))
    with pytest.raises(acked.AckRecordError, match="not a police.ack signed by the police key"):
        acked.load(forged, police_key.private.public_key())


def test_a_line_moved_between_daily_files_is_named(full, tmp_path, hub_key):
    root = _copy(full, tmp_path, "moved")
    day1, day2 = layout.record_files(root)
    a, b = _lines(day1), _lines(day2)
    moved = a.pop()
    day1.write_bytes(b"".join(a))
    day2.write_bytes(moved + b"".join(b))
    seq = json.loads(moved)["seq"]
    rep = _verify(root, hub_key)
    wrong = [p for p in rep.problems if p.code == "wrong_day"]
    assert [(p.file, p.line, p.seq) for p in wrong] == [("records/2026-01-02.jsonl", 1, seq)]
    assert "belongs in records/2026-01-01.jsonl" in wrong[0].message
    # chain and checkpoints still hold (the order of seqs did not change): only the rule and the books tell.
    assert set(rep.codes()) == {"wrong_day", "manifest", "chain_state"}


@pytest.mark.parametrize("edit, expected", [
    (lambda m: m.update(media_files=m["media_files"] + 1), "counts 4 media files, the export holds 3"),
    (lambda m: m["files"][0].update(entries=m["files"][0]["entries"] - 1), "entries (the file holds"),
    (lambda m: m["files"][1].update(first_seq=m["files"][1]["first_seq"] + 1), "first seq"),
    (lambda m: m["files"].pop(), "is not listed in the manifest"),
    (lambda m: m["head"].update(seq=12), "the manifest's head is seq 12 but the export ends at seq 9"),
    (lambda m: m["head"].update(hash="0" * 64), "head seq 9 has a hash other than the entry's"),
    (lambda m: m["files"].append({"name": "records/2026-01-03.jsonl", "first_seq": 10, "last_seq": 12,
                                  "last_hash": "0" * 64, "entries": 3}), "records/2026-01-03.jsonl listed in the manifest is missing"),
    (lambda m: m.update(format=2), "format 2 is not 1"),
])
def test_manifest_bookkeeping_edits_are_named(full, tmp_path, hub_key, edit, expected):
    root = _copy(full, tmp_path, "manifest")
    manifest = json.loads((root / layout.MANIFEST).read_text())
    edit(manifest)
    (root / layout.MANIFEST).write_text(json.dumps(manifest))
    rep = _verify(root, hub_key)
    assert not rep.ok
    assert any(expected in p.message for p in rep.problems), [p.message for p in rep.problems]


@pytest.mark.parametrize("edit", ["head", "seq", "drop_sig"])
def test_an_altered_checkpoints_line_is_named(full, tmp_path, hub_key, edit):
    root = _copy(full, tmp_path, "cps")
    cps = _lines(root / layout.CHECKPOINTS)
    cp = json.loads(cps[1])
    if edit == "head":
        cp["body"]["head"] = "f" * 64
    elif edit == "seq":
        cp["body"]["seq"] = 2
    else:
        cp["sig"] = ""
    cps[1] = json.dumps(cp).encode() + b"\n"
    (root / layout.CHECKPOINTS).write_bytes(b"".join(cps))
    rep = _verify(root, hub_key)
    assert rep.codes() == ["checkpoint_signature"]
    assert rep.problems[0].message.startswith("checkpoints.jsonl line 2: not a hub checkpoint validly signed")


def test_checkpoints_out_of_order_are_named(full, tmp_path, hub_key):
    root = _copy(full, tmp_path, "cporder")
    cps = _lines(root / layout.CHECKPOINTS)
    (root / layout.CHECKPOINTS).write_bytes(cps[0] + cps[2] + cps[1])
    manifest = json.loads((root / layout.MANIFEST).read_text())
    manifest["checkpoint"] = json.loads(cps[2])
    (root / layout.MANIFEST).write_text(json.dumps(manifest))
    rep = _verify(root, hub_key)
    assert rep.codes() == ["checkpoint_order"]
    assert "checkpoint seq 6 comes after checkpoint seq 9" in rep.problems[0].message


def test_chain_json_is_checked(full, tmp_path, hub_key):
    root = _copy(full, tmp_path, "state")
    state = json.loads((root / layout.STATE).read_text())
    state["offset"] += 7
    (root / layout.STATE).write_text(json.dumps(state))
    rep = _verify(root, hub_key)
    assert rep.codes() == ["chain_state"]
    assert "chain.json places seq 9 at" in rep.problems[0].message


def test_export_refuses_an_ack_record_inside_the_export(tmp_path, hub_key, capsys):
    key = tmp_path / "hub.pub"
    key.write_text(hub_key.public_b64())
    out = tmp_path / "export"
    assert main(["--lang", "en", "police-export", "--out", str(out), "--hub-key", str(key), "--police-key",
                 str(tmp_path / "police.key"), "--acked", str(out / "acked.json")]) == 2
    assert "must be outside the export folder" in capsys.readouterr().err


def test_every_problem_code_is_documented():
    import re

    from hub.police.verify_report import PROBLEM_CODES

    root = Path(__file__).resolve().parents[2]
    emitted = set()
    for name in ("hub/police/verify.py", "hub/police/verify_meta.py", "lockwarden/commands/police.py"):
        emitted |= set(re.findall(r'Problem\("(\w+)"', (root / name).read_text()))
    # the access log's checker returns (code, line, detail); verify.py turns each into a Problem
    emitted |= set(re.findall(r'\("(access_\w+)", n,', (root / "hub/police/access_log.py").read_text()))
    assert emitted == set(PROBLEM_CODES), emitted ^ set(PROBLEM_CODES)


def test_a_restarted_export_never_lowers_the_police_record(full, tmp_path, hub_key, police_key):
    """A rolled-back export, restarted, acknowledges less: the record keeps what was held before, so
    police-verify still names the rollback (and the export's log says so)."""
    root = _copy(full, tmp_path, "restarted")
    cps = _lines(root / layout.CHECKPOINTS)
    (root / layout.CHECKPOINTS).write_bytes(b"".join(cps[:2]))
    _consistent_cut(root, 6)
    before = full.acked.read_bytes()
    clock = FakeClock(DAY0 + 48 * HOUR)
    writer = ExportWriter(root, hub_key.private.public_key(), clock=clock)
    service = ExportService(writer, ack_key=police_key, clock=clock, publish=lambda _t, _b: None,
                            acked_path=full.acked)
    service.send_ack()
    writer.close()
    assert full.acked.read_bytes() == before
    record = acked.load(full.acked, police_key.private.public_key())
    assert record.upto_seq == 9
    assert "rolled_back" in _verify(root, hub_key, record).codes()
