"""A large ingest batch is checked one block ahead on a helper thread (libsodium): the verdicts, reasons
and order are those of the inline `cryptography` checks."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

import hub.ingest.verifier as verifier
from edge.app import make_kit
from hub.home import init_hub
from hub.provisioning import provision_kit
from hub.service import make_hub
from protocol import topics
from protocol.envelope import seal_envelope
from protocol.keys import SigningKey
from protocol.messages.kit import KitRecord
from protocol.transport.base import Inbound


def _batch(tmp_path: Path) -> tuple[Path, list[Inbound], dict[int, str]]:
    home = init_hub(tmp_path / "hub", broker_port=1883)
    kit_dirs = {k: provision_kit(home, k, tmp_path / k) for k in ("kit-a", "kit-b")}
    kit_a = make_kit(kit_dirs["kit-a"], connect=False)
    kit_b = make_kit(kit_dirs["kit-b"], connect=False)
    topic_a = topics.KIT_UP_RECORD.build(kit_id="kit-a")
    wires = []
    for i in range(70):
        rec = kit_a.store.add_record("test.note", {"i": i})
        wires.append(bytes(kit_a.store.conn.execute("SELECT wire FROM records WHERE id=?", (rec.id,)).fetchone()[0]))
    expected: dict[int, str] = {}
    env = msgspec.json.decode(wires[40])  # block 2: a signature that does not verify
    env["sig"] = env["sig"][:10] + ("A" if env["sig"][10] != "A" else "B") + env["sig"][11:]
    wires[40] = msgspec.json.encode(env)
    expected[40] = "bad_signature"
    env = msgspec.json.decode(wires[41])  # a signature that is not even base64
    env["sig"] = "not base64!"
    wires[41] = msgspec.json.encode(env)
    expected[41] = "bad_signature"
    rec_b = kit_b.store.add_record("test.note", {"i": -1})  # kit-b's genuine record on kit-a's topic
    wires[5] = bytes(kit_b.store.conn.execute("SELECT wire FROM records WHERE id=?", (rec_b.id,)).fetchone()[0])
    expected[5] = "wrong_sender_for_topic"
    stranger = seal_envelope(SigningKey.generate(), sender="kit-zz", seq=1, ts=1767225600000,
                             type_name="kit.record", body=KitRecord(kind="x", captured_at=1767225600000, data={}))
    wires[66] = stranger.to_wire()
    expected[66] = "unknown_sender"
    wires[33] = b'{"v": 1, "id": '
    expected[33] = "malformed"
    kit_a.store.close()
    kit_b.store.close()
    return home.dir, [Inbound(topic_a, w) for w in wires], expected


def _run(hub_dir: Path, batch: list[Inbound]) -> tuple[list[str], int]:
    hub = make_hub(hub_dir, connect=False)
    try:
        hub.process(batch)
        reasons = [r[0] for r in hub.conn.execute("SELECT reason FROM quarantine ORDER BY n")]
        stored = hub.conn.execute("SELECT COUNT(*) FROM kit_records WHERE sender='kit-a'").fetchone()[0]
        return reasons, int(stored)
    finally:
        hub.stop()


@pytest.mark.parametrize("libsodium", [True, False])
def test_block_ahead_checks_refuse_exactly_what_inline_checks_refuse(tmp_path: Path, monkeypatch, libsodium) -> None:  # type: ignore[no-untyped-def]
    if not libsodium:
        monkeypatch.setattr(verifier, "crypto_sign_open", None)
    hub_dir, batch, expected = _batch(tmp_path)
    reasons, stored = _run(hub_dir, batch)
    assert reasons == [expected[i] for i in sorted(expected)]
    assert stored == len(batch) - len(expected)


def test_a_sender_registered_by_an_earlier_message_of_the_batch_is_checked_with_its_key(tmp_path: Path) -> None:
    home = init_hub(tmp_path / "hub", broker_port=1883)
    kit_a = make_kit(provision_kit(home, "kit-a", tmp_path / "kit-a"), connect=False)
    late_key = SigningKey.generate()
    wires = []
    for i in range(40):
        rec = kit_a.store.add_record("test.note", {"i": i})
        wires.append(bytes(kit_a.store.conn.execute("SELECT wire FROM records WHERE id=?", (rec.id,)).fetchone()[0]))
    kit_a.store.close()
    late = [seal_envelope(late_key, sender="kit-late", seq=n, ts=1767225600000, type_name="kit.record",
                          body=KitRecord(kind="x", captured_at=1767225600000, data={})).to_wire() for n in (1, 2)]
    batch = [Inbound(topics.KIT_UP_RECORD.build(kit_id="kit-a"), w) for w in wires]
    batch += [Inbound(topics.KIT_UP_RECORD.build(kit_id="kit-late"), w) for w in late]
    hub = make_hub(home.dir, connect=False)
    try:
        def register(conn, acc):  # type: ignore[no-untyped-def]
            if acc.body.data.get("i") == 3:  # block 0; kit-late's block was decoded before this ran
                hub.ingest.principals.register("kit-late", "kit", late_key.public_b64(), 1767225600000)
            return []

        hub.ingest.on("kit.record", register)
        hub.process(batch)
        assert hub.conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0] == 0
        assert hub.conn.execute("SELECT COUNT(*) FROM kit_records WHERE sender='kit-late'").fetchone()[0] == 2
    finally:
        hub.stop()
