"""The second implementation (js/, Node's built-in crypto only, written from docs/) agrees with the Python on
every vector, signs envelopes the hub accepts, verifies the hub's, and reaches the same verdict as
police-verify on a freshly written export and on each tampered one (issue 15 item 2)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import msgspec
import pytest

import protocol.messages  # noqa: F401
from hub.forwarding.sealer import ChainSealer
from hub.police import acked, layout
from hub.police.verify import verify_export
from protocol.clock import FakeClock
from protocol.envelope import open_envelope, seal_envelope
from protocol.errors import Rejected
from protocol.i18n import set_language
from protocol.keys import SigningKey, load_verify_key
from protocol.registry import MESSAGES
from tests.police.test_verify_trust import DAY0, Export, _consistent_cut, _life

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "js"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is missing: scripts/ensure_packages.sh installs it")


def node(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    return subprocess.run([NODE, *args], input=stdin, capture_output=True, text=True, timeout=120)


def test_js_passes_every_vector() -> None:
    out = node(str(JS / "check-vectors.mjs"), str(ROOT / "docs" / "vectors"))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "FAIL" not in out.stdout and "vector checks passed" in out.stdout


def test_js_signs_what_python_accepts_and_verifies_what_python_signs() -> None:
    key = SigningKey.generate()
    body = msgspec.to_builtins(MESSAGES["customer.request"].example())
    body["site_lat"], body["site_lon"] = 39.0, 116.3975  # an integral float: JCS writes 39
    fields = {"sender": "cu-js", "seq": 7, "ts": 1767225600123, "type": "customer.request", "body": body}
    out = node(str(JS / "sign-envelope.mjs"), key.to_b64(), stdin=json.dumps(fields, ensure_ascii=False))
    assert out.returncode == 0, out.stderr
    env, typed = open_envelope(out.stdout.encode(), lambda s: key.private.public_key() if s == "cu-js" else None)
    assert env.seq == 7 and typed.site_lat == 39.0  # type: ignore[attr-defined]
    tampered = json.loads(out.stdout)
    tampered["body"]["site_lat"] = 39.5
    with pytest.raises(Rejected):
        open_envelope(json.dumps(tampered).encode(), lambda _s: key.private.public_key())

    py = seal_envelope(key, sender="cu-py", seq=3, ts=1767225600000, type_name="media.chunk",
                       body={"file_id": "01JGZ0000000000000000000AB", "index": 0, "size": 2,
                             "sha256": "a" * 64, "data": "aGk="})
    wire = msgspec.json.encode(py).decode()
    assert node(str(JS / "sign-envelope.mjs"), "--verify", key.public_b64(), stdin=wire).returncode == 0
    assert node(str(JS / "sign-envelope.mjs"), "--verify", key.public_b64(),
                stdin=wire.replace('"seq":3', '"seq":4')).returncode == 1


@pytest.fixture(scope="module")
def exports(tmp_path_factory):  # type: ignore[no-untyped-def]
    set_language("en")
    base = tmp_path_factory.mktemp("js")
    hub, police = SigningKey.generate(), SigningKey.generate()
    full = Export(base / "full", hub, _life(ChainSealer(hub), FakeClock(DAY0), 9, checkpoint_every=3), police)
    (base / "hub.pub").write_text(hub.public_b64() + "\n")
    (base / "police.key").write_text(police.to_b64() + "\n")
    return base, full, hub, police


def _tamper(kind: str, base: Path, full: Export) -> Path:
    root = base / kind
    if root.exists():
        return root
    if kind == "resigned":
        forger = SigningKey.generate()
        return Export(base / "resigned-src", forger, _life(ChainSealer(forger), FakeClock(DAY0), 9, checkpoint_every=3),
                      SigningKey.generate()).root
    shutil.copytree(full.root, root)
    if kind == "stripped":
        (root / layout.CHECKPOINTS).unlink()
        m = json.loads((root / layout.MANIFEST).read_text())
        m["checkpoint"] = None
        (root / layout.MANIFEST).write_text(json.dumps(m))
        _consistent_cut(root, 5)
    elif kind == "rollback":
        cps = (root / layout.CHECKPOINTS).read_bytes().splitlines(keepends=True)
        (root / layout.CHECKPOINTS).write_bytes(b"".join(cps[:2]))
        m = json.loads((root / layout.MANIFEST).read_text())
        m["checkpoint"], m["media_files"] = json.loads(cps[1]), 3
        (root / layout.MANIFEST).write_text(json.dumps(m))
        _consistent_cut(root, 6)
    elif kind == "moved":
        day1, day2 = layout.record_files(root)
        a = day1.read_bytes().splitlines(keepends=True)
        day2.write_bytes(a.pop() + day2.read_bytes())
        day1.write_bytes(b"".join(a))
    elif kind == "manifest":
        m = json.loads((root / layout.MANIFEST).read_text())
        m["media_files"] += 1
        (root / layout.MANIFEST).write_text(json.dumps(m))
    elif kind == "checkpoint_line":
        cps = (root / layout.CHECKPOINTS).read_bytes().splitlines(keepends=True)
        cp = json.loads(cps[1])
        cp["body"]["head"] = "f" * 64
        cps[1] = json.dumps(cp).encode() + b"\n"
        (root / layout.CHECKPOINTS).write_bytes(b"".join(cps))
    elif kind == "edited":
        f = layout.record_files(root)[0]
        f.write_bytes(f.read_bytes().replace(b'"fee_fen":200', b'"fee_fen":900'))
    elif kind == "renumbered":  # the record's own number changed and the entry re-hashed
        from hub.police.chain import Entry, encode_line, entry_hash

        f = layout.record_files(root)[0]
        lines = f.read_bytes().splitlines(keepends=True)
        e = json.loads(lines[0])
        e["env"]["body"]["seq"] = 5
        lines[0] = encode_line(Entry(seq=1, prev=e["prev"], hash=entry_hash(1, e["prev"], e["env"]), env=e["env"]))
        f.write_bytes(b"".join(lines))
    elif kind in ("deleted", "swapped", "inserted"):
        f = layout.record_files(root)[-1]  # the second day: six entries
        lines = f.read_bytes().splitlines(keepends=True)
        if kind == "deleted":
            del lines[2]
        elif kind == "swapped":
            lines[2], lines[3] = lines[3], lines[2]
        else:
            lines.insert(1, lines[4])
        f.write_bytes(b"".join(lines))
    elif kind.startswith("access_"):  # three queries logged, then one line rewritten or removed
        from hub.police import access_log

        for n in range(3):
            access_log.append(root, at_ms=DAY0 + n, officer=f"duty-{n}", action="query", what={"order": "O"},
                              results=n)
        lines = (root / layout.ACCESS).read_bytes().splitlines(keepends=True)
        if kind == "access_edited":
            lines[1] = lines[1].replace(b"duty-1", b"nobody")
        elif kind == "access_deleted":
            del lines[1]
        (root / layout.ACCESS).write_bytes(b"".join(lines))
    elif kind == "chain_json":
        s = json.loads((root / layout.STATE).read_text())
        s["offset"] += 1
        (root / layout.STATE).write_text(json.dumps(s))
    return root


@pytest.mark.parametrize("kind, with_acked, ok", [
    ("genuine", True, True),
    ("resigned", False, False),
    ("stripped", False, False),
    ("rollback", False, True),  # undetectable from the export alone, in both languages ...
    ("rollback", True, False),  # ... caught by the police's own record
    ("moved", False, False),
    ("manifest", False, False),
    ("checkpoint_line", False, False),
    ("edited", False, False),
    ("chain_json", False, False),
    ("renumbered", False, False),
    ("deleted", False, False),
    ("swapped", False, False),
    ("inserted", False, False),
    ("access_logged", False, True),
    ("access_edited", False, False),
    ("access_deleted", False, False),
])
def test_js_and_python_reach_the_same_verdict(exports, kind: str, with_acked: bool, ok: bool) -> None:  # type: ignore[no-untyped-def]
    base, full, hub, police = exports
    root = full.root if kind == "genuine" else _tamper(kind, base, full)
    record = acked.load(full.acked, police.private.public_key()) if with_acked else None
    py = verify_export(root, load_verify_key(hub.public_b64()), acked=record)
    args = [str(JS / "verify-export.mjs"), str(root), "--hub-key", str(base / "hub.pub")]
    if with_acked:
        args += ["--acked", str(full.acked), "--police-key", str(base / "police.key")]
    out = node(*args)
    js = json.loads(out.stdout)
    assert py.ok is ok, py.problems
    assert js["ok"] is ok and out.returncode == (0 if ok else 1), js["problems"]
    assert js["entries"] == py.entries and js["headSeq"] == py.head_seq
    assert js["checkpointSeq"] == py.checkpoint_seq and js["unconfirmed"] == py.unconfirmed
    assert {p["code"] for p in js["problems"]} == set(py.codes()), (js["problems"], py.problems)
    assert js["accessEntries"] == py.access_entries and js["accessHead"] == py.access_head


def test_js_refuses_to_judge_without_a_pinned_key(exports) -> None:  # type: ignore[no-untyped-def]
    _base, full, _hub, _police = exports
    out = node(str(JS / "verify-export.mjs"), str(full.root))
    assert out.returncode == 3 and json.loads(out.stdout)["verified"] is False
