"""The contract's test vectors (docs/vectors/*.json): inputs, the exact bytes, their SHA-256 and the Ed25519
signature under a published test key, for every rule docs/mqtt.md and docs/police.md state.

Written by `make docs` (lockwarden.docs_render calls `write_all`); tests/contract/test_vectors.py fails when
a committed file differs from what the code produces now, and checks each vector against the code the
other way round too (the verifier accepts the good ones and refuses the bad ones). js/ checks the same
files with an implementation written from the docs alone.

Everything is deterministic: Ed25519 signatures are, and the keys, ids and times are fixed here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

import protocol.messages  # noqa: F401  (registers every message type)
from hub.police.chain import GENESIS, entry_hash_bytes
from hub.police.trust import fingerprint
from protocol.canonical import canonical
from protocol.envelope import DIGEST_BOUND, Envelope, seal_envelope
from protocol.ids import is_valid_id
from protocol.keys import SigningKey
from protocol.registry import MESSAGES

ROOT = Path(__file__).resolve().parents[1]
DIR = ROOT / "docs" / "vectors"

# Published test keys: seeds are sha256 of a fixed text. NEVER use them for anything but tests.
HUB_SEED = hashlib.sha256(b"lockwarden test vector key: hub").digest()
SENDER_SEED = hashlib.sha256(b"lockwarden test vector key: customer cu-test").digest()
TS = 1767225600000  # 2026-01-01T00:00:00Z


def _key(seed: bytes) -> SigningKey:
    return SigningKey.from_b64(base64.b64encode(seed).decode())


def _key_info(seed: bytes, who: str) -> dict[str, str]:
    key = _key(seed)
    return {"who": who, "private_seed_b64": base64.b64encode(seed).decode(), "public_b64": key.public_b64(),
            "public_fingerprint_sha256": fingerprint(key.private.public_key())}


def _hex(b: bytes) -> str:
    return b.hex()


def canonical_vectors() -> dict[str, Any]:
    """RFC 8785 cases: `input` is JSON text; parse it, canonicalize, and compare with `canonical`."""
    cases = [
        ("key order is by UTF-16 code units, not code points",
         '{"\\uff61":2,"\\ud83d\\ude00":1,"b":3,"a":4,"\\u00e9":5,"B":6}'),
        ("integral floats lose their fraction", '{"lat":100.0,"lon":-0.0,"n":5}'),
        ("large and small numbers as ECMAScript writes them",
         '[1e21,1e20,1.5e16,0.000001,1e-7,1.5e-10,123.456,39.9087,116.3975,5e-324,1.7976931348623157e308]'),
        ("shortest round-trip digits", '[0.1,0.30000000000000004,333333333.3333333,12345678901234567890.0]'),
        ("strings: only quote, backslash and controls escaped; non-ASCII, DEL, U+2028 and / stay raw UTF-8",
         '["\\u0000\\u0001\\b\\t\\n\\f\\r\\u001f","\\"\\\\/","\\u007f\\u2028\\u2029","张三 北京市东城区","\\ud83d\\udd11"]'),
        ("literals and nesting, no whitespace", '{"z":[true,false,null,{"y":{}},[]],"a":""}'),
    ]
    out = []
    for name, text in cases:
        value = msgspec.json.decode(text.encode())
        data = canonical(value)
        out.append({"name": name, "input": text, "canonical": data.decode("utf-8"), "canonical_hex": _hex(data),
                     "sha256": hashlib.sha256(data).hexdigest()})
    refused = [
        ("integer beyond 2**53 - 1", "9007199254740992"),
        ("negative integer beyond -(2**53 - 1)", "-9007199254740993"),
    ]
    return {"description": "RFC 8785 (JCS) canonical JSON, the bytes every signature and chain hash is over "
                           "(docs/mqtt.md, Canonical encoding).",
            "cases": out,
            "refused": [{"name": n, "input": t} for n, t in refused]}


def _envelope_case(key: SigningKey, sender: str, seq: int, type_name: str, body: Any, msg_id: str,
                   note: str) -> dict[str, Any]:
    env = seal_envelope(key, sender=sender, seq=seq, ts=TS + seq, type_name=type_name, body=body, msg_id=msg_id)
    signed = env.signing_bytes()
    return {
        "name": f"{type_name}: {note}",
        "envelope": msgspec.to_builtins(env),
        "excluded_from_signature": [f"body.{DIGEST_BOUND[type_name][0]}"] if type_name in DIGEST_BOUND else [],
        "signed_bytes": signed.decode("utf-8"),
        "signed_bytes_sha256": hashlib.sha256(signed).hexdigest(),
        "signature_b64": env.sig,
    }


def envelope_vectors() -> dict[str, Any]:
    hub, cust = _key(HUB_SEED), _key(SENDER_SEED)
    chunk = b"\xff\xd8\xff\xe0 the first bytes of a JPEG"
    cases = [
        _envelope_case(cust, "cu-test", 1, "customer.request", MESSAGES["customer.request"].example(),
                       "01KDVDNA00E8H72SAR7QA07TD1", "floats (site_lat/site_lon), Chinese text, nested objects"),
        _envelope_case(cust, "cu-test", 2, "media.begin", MESSAGES["media.begin"].example(),
                       "01KDVDNA00E8H72SAR7QA07TD2", "a file announced"),
        _envelope_case(cust, "cu-test", 3, "media.chunk", {
            "file_id": "01JGZ0000000000000000000AB", "index": 0, "size": len(chunk),
            "sha256": hashlib.sha256(chunk).hexdigest(), "data": base64.b64encode(chunk).decode()},
            "01KDVDNA00E8H72SAR7QA07TD3",
            "contract 1 (base64; still accepted in contract 2, see frames.json): body.data is not signed; the signed "
            "body.sha256 binds it"),
        _envelope_case(cust, "cu-test", 4, "media.cancel", MESSAGES["media.cancel"].example(),
                       "01KDVDNA00E8H72SAR7QA07TD4", "withdrawing an upload"),
        _envelope_case(hub, "hub", 7, "police.record", MESSAGES["police.record"].example(),
                       "01KDVDNA00E8H72SAR7QA07TD5", "a forwarded record"),
        _envelope_case(hub, "hub", 1, "police.checkpoint", MESSAGES["police.checkpoint"].example(),
                       "01KDVDNA00E8H72SAR7QA07TD6", "the hub's signed chain head"),
    ]
    good = cases[0]["envelope"]

    def bad(name: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        env = json.loads(json.dumps(good))
        change(env)
        return {"name": name, "envelope": env}

    invalid = [
        bad("a body value changed after signing", lambda e: e["body"].__setitem__("customer_name", "李四")),
        bad("ts changed after signing", lambda e: e.__setitem__("ts", e["ts"] + 1)),
        bad("signature of another key", lambda e: e.__setitem__("sig", cases[4]["signature_b64"])),
    ]
    return {
        "description": "Signed envelopes (docs/mqtt.md, The envelope; Signed bytes). Verify each `envelope` "
                       "with the sender's `public_b64`: build the signed bytes, compare them with "
                       "`signed_bytes`, check `signature_b64`. Every `invalid` one must fail the signature check.",
        "keys": [_key_info(SENDER_SEED, "cu-test"), _key_info(HUB_SEED, "hub")],
        "cases": cases,
        "invalid": invalid,
    }


def frame_vectors() -> dict[str, Any]:
    """Chunk frames (contract 2): `LWC1` LF, the header envelope on one line, LF, the raw bytes."""
    from protocol.frame import MAGIC, seal_frame

    cust = _key(SENDER_SEED)
    cases = []
    for n, (data, note) in enumerate([
        (b"\xff\xd8\xff\xe0 the first bytes of a JPEG", "a chunk of a photo"),
        (b"\n\nline feeds\x00 and a NUL: only the first LF of the frame ends the header\n", "bytes holding LF"),
        (b"", "the one chunk of an empty file"),
    ], start=1):
        sha = hashlib.sha256(data).hexdigest()
        frame = seal_frame(cust, sender="cu-test", seq=10 + n, ts=TS + 10 + n, file_id="01JGZ0000000000000000000AB",
                           index=n - 1, data=data, sha256=sha, msg_id=f"01KDVDNA00E8H72SAR7QA07TF{n}")
        end = frame.index(b"\n", len(MAGIC))
        env = msgspec.json.decode(frame[len(MAGIC):end])
        signed = msgspec.convert(env, Envelope).signing_bytes()
        cases.append({"name": note, "frame_hex": frame.hex(), "magic": MAGIC[:-1].decode("ascii"),
                      "header": frame[len(MAGIC):end].decode("utf-8"), "header_envelope": env,
                      "data_hex": data.hex(), "data_sha256": sha, "signed_bytes": signed.decode("utf-8"),
                      "signed_bytes_sha256": hashlib.sha256(signed).hexdigest(), "signature_b64": env["sig"]})
    good = bytes.fromhex(cases[0]["frame_hex"])
    end = good.index(b"\n", len(MAGIC))
    invalid = [
        ("one byte fewer than body.size", good[:-1], "bad_chunk"),
        ("one byte more than body.size", good + b"!", "bad_chunk"),
        ("a data byte changed: its SHA-256 is not body.sha256", good[:-1] + b"?", "bad_chunk"),
        ("the header changed after signing", good.replace(b'"index":0', b'"index":1', 1), "bad_signature"),
        ("a data member inside the header", good.replace(b'"size":', b'"data":"","size":', 1), "bad_schema"),
        ("no line feed ends the header", MAGIC + good[len(MAGIC):end] + b" " * 5000, "malformed"),
        ("another magic", b"LWC2\n" + good[len(MAGIC):], "malformed"),
    ]
    return {
        "description": "Media chunk frames (docs/mqtt.md section 7, contract 2): the bytes `frame_hex` are the "
                       "ASCII magic `LWC1` and LF, the header (a media.chunk envelope without body.data, JSON on "
                       "one line, at most 4096 bytes), LF, then exactly body.size raw bytes whose SHA-256 is "
                       "body.sha256. The header's signature is over `signed_bytes` (docs/mqtt.md section 3), "
                       "with the key of `cu-test` in envelopes.json. Every `invalid` frame must be refused, for "
                       "the reason given.",
        "key": _key_info(SENDER_SEED, "cu-test"),
        "cases": cases,
        "invalid": [{"name": n, "frame_hex": f.hex(), "reason": r} for n, f, r in invalid],
    }


def id_vectors() -> dict[str, Any]:
    ids = ["01KDVDNA00E8H72SAR7QA07TDA", "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "01kdvdna00e8h72sar7qa07tda",
           "01KDVDNA00E8H72SAR7QA07TDI", "01KDVDNA00E8H72SAR7QA07TD", "0190a7f0-5a8e-7c3a-9a3e-1f2b3c4d5e6f",
           "01KDVDNA00E8H72SAR7QA07TDAB", "01KDVDNA00E8H72SAR7QA07TDU"]
    return {"description": "Message ids (docs/mqtt.md, The envelope): 26 characters of upper-case Crockford "
                           "base32 (no I, L, O, U). Lower case, UUIDs and other lengths are refused.",
            "cases": [{"id": i, "valid": is_valid_id(i)} for i in ids]}


def chain_vectors() -> dict[str, Any]:
    hub = _key(HUB_SEED)
    entries = []
    prev = GENESIS
    for seq, (kind, data) in enumerate([
        ("locksmith.filed", {"locksmith_id": "ls-7", "name": "李师傅", "area_lat": 39.9, "area_radius_km": 5.0}),
        ("order.requested", {"order_id": "01KDVDNA00E8H72SAR7QA07TDA", "customer_name": "张三", "site_lat": 39.9087}),
        ("order.completed", {"order_id": "01KDVDNA00E8H72SAR7QA07TDA", "fee_fen": 15000}),
    ], start=1):
        body = {"seq": seq, "feed_seq": seq, "kind": kind, "entity_id": "01KDVDNA00E8H72SAR7QA07TDA",
                "created_ms": TS + seq, "data": data, "media": []}
        env = seal_envelope(hub, sender="hub", seq=seq, ts=TS + seq * 3_600_000, type_name="police.record",
                            body=body, msg_id=f"01KDVDNA00E8H72SAR7QA07T{seq:02d}")
        env_bytes = canonical(msgspec.to_builtins(env))
        prefix = f"{seq}\n{prev}\n".encode("ascii")
        h = entry_hash_bytes(seq, prev, env_bytes)
        line = canonical({"env": msgspec.to_builtins(env), "hash": h, "prev": prev, "seq": seq}) + b"\n"
        entries.append({"seq": seq, "prev": prev, "envelope": msgspec.to_builtins(env),
                        "hash_input_prefix": prefix.decode("ascii"), "envelope_canonical": env_bytes.decode(),
                        "hash": h, "line": line.decode("utf-8")})
        prev = h
    cp = seal_envelope(hub, sender="hub", seq=3, ts=TS + 4 * 3_600_000, type_name="police.checkpoint",
                       body={"seq": 3, "head": prev}, msg_id="01KDVDNA00E8H72SAR7QA07TCP")
    return {
        "description": "The police chain (docs/police.md, Entry hashes): hash = SHA-256(ASCII \"{seq}\\n{prev}\\n\" "
                       "followed by the RFC 8785 bytes of the whole signed envelope, `sig` included); prev of seq 1 "
                       "is 64 zeros. Each `line` is the exact line in records/YYYY-MM-DD.jsonl.",
        "hub_key": _key_info(HUB_SEED, "hub"),
        "genesis": GENESIS,
        "entries": entries,
        "checkpoint": {"envelope": msgspec.to_builtins(cp), "signed_bytes": cp.signing_bytes().decode()},
    }


def access_vectors() -> dict[str, Any]:
    from hub.police.access_log import encode_line

    lines = []
    prev = GENESIS
    for seq, (action, what, results) in enumerate([
        ("query", {"person": "11010519900101051X", "limit": 200}, 17),
        ("open", {"order": "01KDVDNA00E8H72SAR7QA07TDA", "out": "/tmp/case-12"}, 2),
    ], start=1):
        entry = {"action": action, "at_ms": TS + seq * 60_000, "host": "analyst-3", "officer": "王警官 010234",
                 "os_user": "wang", "results": results, "what": what}
        line = encode_line(seq, prev, entry)
        h = json.loads(line)["hash"]
        lines.append({"seq": seq, "prev": prev, "entry": entry, "hash_input_prefix": f"{seq}\n{prev}\n",
                      "entry_canonical": canonical(entry).decode(), "hash": h, "line": line.decode("utf-8")})
        prev = h
    return {
        "description": "The export's access log access.jsonl (docs/police.md, The access log): hash = SHA-256(ASCII "
                       "\"{seq}\\n{prev}\\n\" followed by the RFC 8785 bytes of `entry`); prev of line 1 is 64 "
                       "zeros. Each `line` is the exact line in access.jsonl.",
        "genesis": GENESIS,
        "lines": lines,
    }


def sealed_vectors() -> dict[str, Any]:
    """A sealed blob made with a fixed ephemeral key and nonce (real seals use fresh random ones)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from protocol.sealed import MAGIC, _derive

    def raw_pub(k: X25519PrivateKey) -> bytes:
        return k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    recipient_seed = hashlib.sha256(b"lockwarden test vector key: police sealing").digest()
    eph_seed = hashlib.sha256(b"lockwarden test vector: ephemeral").digest()
    nonce = hashlib.sha256(b"lockwarden test vector: nonce").digest()[:12]
    recipient, eph = X25519PrivateKey.from_private_bytes(recipient_seed), X25519PrivateKey.from_private_bytes(eph_seed)
    plaintext = "居民身份证 photo bytes".encode()
    cases = []
    for aad_text in ("01KDVDNA00E8H72SAR7QA07TDB", "lockwarden police copy 01KDVDNA00E8H72SAR7QA07TDB"):
        key = _derive(eph.exchange(recipient.public_key()), raw_pub(eph), raw_pub(recipient))
        blob = MAGIC + raw_pub(eph) + nonce + AESGCM(key).encrypt(nonce, plaintext, aad_text.encode())
        cases.append({"aad": aad_text, "blob_b64": base64.b64encode(blob).decode(),
                      "blob_sha256": hashlib.sha256(blob).hexdigest(), "hkdf_key_hex": key.hex()})
    return {
        "description": "Sealed media (docs/mqtt.md section 7): open each blob with the recipient's X25519 key "
                       "and its `aad` to get `plaintext_b64`; the first is a kit's seal to the hub (aad = "
                       "file_id), the second the hub's copy for the police.",
        "recipient": {"private_b64": base64.b64encode(recipient_seed).decode(),
                      "public_b64": base64.b64encode(raw_pub(recipient)).decode()},
        "plaintext_b64": base64.b64encode(plaintext).decode(),
        "cases": cases,
    }


def build() -> dict[str, str]:
    files = {"canonical.json": canonical_vectors(), "envelopes.json": envelope_vectors(), "frames.json": frame_vectors(),
             "ids.json": id_vectors(), "police-chain.json": chain_vectors(), "police-access.json": access_vectors(),
             "sealed.json": sealed_vectors()}
    return {name: json.dumps(value, ensure_ascii=False, indent=1) + "\n" for name, value in files.items()}


def write_all() -> list[str]:
    DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in build().items():
        (DIR / name).write_text(text, encoding="utf-8")
        written.append(f"docs/vectors/{name}")
    return written


def check_frame(frame: bytes, public_b64: str) -> str | None:
    """The Python side's verdict on a vector frame: None if accepted, else the refusal reason. The same checks
    the hub makes before a chunk is stored, except those needing the file's announce."""
    import hashlib as _hashlib

    from protocol.envelope import verify
    from protocol.errors import Rejected
    from protocol.frame import decode_frame
    from protocol.keys import load_verify_key

    try:
        env, data = decode_frame(frame)
        verify(env, lambda _s: load_verify_key(public_b64))
    except Rejected as rej:
        return rej.reason.value
    if _hashlib.sha256(data).hexdigest() != env.body["sha256"]:
        return "bad_chunk"
    return None


def check_envelope(env_value: dict[str, Any], public_b64: str) -> bool:
    """The Python side's verdict on a vector envelope (used by the tests)."""
    from protocol.envelope import verify
    from protocol.errors import Rejected
    from protocol.keys import load_verify_key

    try:
        verify(msgspec.convert(env_value, Envelope), lambda _s: load_verify_key(public_b64))
    except Rejected:
        return False
    return True


if __name__ == "__main__":
    for path in write_all():
        print(f"wrote {path}")
    sys.exit(0)
