"""docs/vectors/ are what the code produces, and the code agrees with every vector in both directions."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import msgspec
import pytest

from hub.police.chain import entry_hash_bytes
from lockwarden import vectors
from protocol.canonical import NotCanonical, canonical
from protocol.envelope import Envelope
from protocol.ids import is_valid_id
from protocol.keys import SigningKey, load_verify_key

DIR = Path(__file__).resolve().parents[2] / "docs" / "vectors"


def _load(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((DIR / name).read_text(encoding="utf-8"))


def test_committed_vectors_are_current() -> None:
    stale = [name for name, text in vectors.build().items() if (DIR / name).read_text(encoding="utf-8") != text]
    assert not stale, f"run `make docs`: docs/vectors/{stale} differ from what the code produces"


def test_canonical_cases() -> None:
    data = _load("canonical.json")
    for case in data["cases"]:
        out = canonical(msgspec.json.decode(case["input"].encode()))
        assert out.decode() == case["canonical"] and out.hex() == case["canonical_hex"], case["name"]
        assert hashlib.sha256(out).hexdigest() == case["sha256"]
    for case in data["refused"]:
        with pytest.raises(NotCanonical):
            canonical(msgspec.json.decode(case["input"].encode()))


def test_envelope_cases_verify_and_invalid_ones_do_not() -> None:
    data = _load("envelopes.json")
    keys = {k["who"]: k for k in data["keys"]}
    for k in data["keys"]:  # the published seeds give the published public keys
        assert SigningKey.from_b64(k["private_seed_b64"]).public_b64() == k["public_b64"]
    for case in data["cases"]:
        env = msgspec.convert(case["envelope"], Envelope)
        signed = env.signing_bytes()
        assert signed.decode() == case["signed_bytes"], case["name"]
        assert hashlib.sha256(signed).hexdigest() == case["signed_bytes_sha256"]
        pub = keys[env.sender]["public_b64"]
        load_verify_key(pub).verify(base64.b64decode(case["signature_b64"]), signed)
        assert vectors.check_envelope(case["envelope"], pub), case["name"]
    cust = keys["cu-test"]["public_b64"]
    for case in data["invalid"]:
        assert not vectors.check_envelope(case["envelope"], cust), case["name"]


def test_media_chunk_data_is_outside_the_signature() -> None:
    case = next(c for c in _load("envelopes.json")["cases"] if c["envelope"]["type"] == "media.chunk")
    assert case["excluded_from_signature"] == ["body.data"]
    assert '"data"' not in case["signed_bytes"]
    chunk = base64.b64decode(case["envelope"]["body"]["data"])
    assert hashlib.sha256(chunk).hexdigest() == case["envelope"]["body"]["sha256"]


def test_frame_cases_decode_verify_and_invalid_ones_are_refused_for_their_reason() -> None:
    from protocol.frame import decode_frame

    data = _load("frames.json")
    pub = data["key"]["public_b64"]
    for case in data["cases"]:
        frame = bytes.fromhex(case["frame_hex"])
        assert frame == (case["magic"] + "\n" + case["header"] + "\n").encode() + bytes.fromhex(case["data_hex"])
        env, chunk = decode_frame(frame)
        assert msgspec.to_builtins(env) == case["header_envelope"], case["name"]
        assert env.signing_bytes().decode() == case["signed_bytes"] and env.sig == case["signature_b64"]
        assert hashlib.sha256(chunk).hexdigest() == case["data_sha256"] == env.body["sha256"]
        assert vectors.check_frame(frame, pub) is None, case["name"]
    for case in data["invalid"]:
        assert vectors.check_frame(bytes.fromhex(case["frame_hex"]), pub) == case["reason"], case["name"]


def test_id_cases() -> None:
    for case in _load("ids.json")["cases"]:
        assert is_valid_id(case["id"]) is case["valid"], case


def test_chain_cases() -> None:
    data = _load("police-chain.json")
    key = load_verify_key(data["hub_key"]["public_b64"])
    prev = data["genesis"]
    for e in data["entries"]:
        env_bytes = canonical(e["envelope"])
        assert env_bytes.decode() == e["envelope_canonical"]
        assert e["prev"] == prev and e["hash_input_prefix"] == f"{e['seq']}\n{prev}\n"
        assert entry_hash_bytes(e["seq"], prev, env_bytes) == e["hash"]
        assert hashlib.sha256(e["hash_input_prefix"].encode() + env_bytes).hexdigest() == e["hash"]
        assert json.loads(e["line"])["hash"] == e["hash"]
        assert vectors.check_envelope(e["envelope"], data["hub_key"]["public_b64"])
        prev = e["hash"]
    cp = msgspec.convert(data["checkpoint"]["envelope"], Envelope)
    key.verify(base64.b64decode(cp.sig), cp.signing_bytes())
    assert cp.body == {"seq": len(data["entries"]), "head": prev}


def test_access_log_cases(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hub.police import access_log

    data = _load("police-access.json")
    prev = data["genesis"]
    for e in data["lines"]:
        assert canonical(e["entry"]).decode() == e["entry_canonical"] and e["prev"] == prev
        assert hashlib.sha256(e["hash_input_prefix"].encode() + canonical(e["entry"])).hexdigest() == e["hash"]
        assert access_log.encode_line(e["seq"], prev, e["entry"]).decode() == e["line"]
        prev = e["hash"]
    (tmp_path / "access.jsonl").write_text("".join(e["line"] for e in data["lines"]), encoding="utf-8")
    checked = access_log.check(tmp_path)
    assert checked.problems == [] and checked.entries == 2 and checked.head == prev


def test_sealed_cases_open() -> None:
    from protocol.keys import SealingKey
    from protocol.sealed import open_sealed

    data = _load("sealed.json")
    key = SealingKey.from_b64(data["recipient"]["private_b64"])
    assert key.public_b64() == data["recipient"]["public_b64"]
    for case in data["cases"]:
        blob = base64.b64decode(case["blob_b64"])
        assert hashlib.sha256(blob).hexdigest() == case["blob_sha256"]
        assert open_sealed(blob, key.private, aad=case["aad"].encode()) == base64.b64decode(data["plaintext_b64"])
